#include "berth_test.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "manifest/diag.h"
#include "policy/policy.h"

static const char *env_required(const char *name)
{
        const char *v = getenv(name);

        if (!v || !*v)
                ck_abort_msg("%s is not set: engine tests run under tests/run, which starts an "
                             "engine and a registry and sets it",
                             name);
        return v;
}

/* "<run>-<suite>": each test program has its own scope, so suites that
 * ctest runs in parallel never clean up each other's objects; tests/run's
 * final sweep removes everything whose label starts with "<run>-". */
const char *bt_run_id(void)
{
        static char id[128];
        const char *suite = program_invocation_short_name;

        if (!id[0]) {
                if (!strncmp(suite, "test_", 5))
                        suite += 5;
                snprintf(id, sizeof(id), "%s-%s", env_required("BERTH_TEST_RUN"), suite);
        }
        return id;
}

const char *bt_image(void)
{
        return env_required("BERTH_TEST_IMAGE");
}

const char *bt_registry(void)
{
        return env_required("BERTH_TEST_REGISTRY");
}

const char *bt_registry_user(void)
{
        return env_required("BERTH_TEST_REGISTRY_USER");
}

const char *bt_registry_password(void)
{
        return env_required("BERTH_TEST_REGISTRY_PASSWORD");
}

const char *bt_registry_image(void)
{
        return env_required("BERTH_TEST_REGISTRY_IMAGE");
}

const char *bt_name(const char *suffix)
{
        static char ring[16][256];
        static unsigned next;
        char *b = ring[next++ % 16];

        snprintf(b, sizeof(ring[0]), "berthtest-%s-%s", bt_run_id(), suffix);
        return b;
}

const char *bt_label_filter(void)
{
        static char b[256];

        snprintf(b, sizeof(b), "%s=%s", BT_LABEL, bt_run_id());
        return b;
}

const char *bt_scope_filter(void)
{
        static char b[256];

        snprintf(b, sizeof(b), "berth.scope=%s", bt_run_id());
        return b;
}

static struct docker_client *client;
static pid_t client_pid;

/* check forks a child per test: a child must not reuse the parent's
 * connections, so each process makes its own client. */
struct docker_client *bt_client(void)
{
        struct berth_err err;

        if (client && client_pid == getpid())
                return client;
        client = NULL; /* the parent's copy; the parent frees its own */
        client_pid = getpid();
        berth_err_clear(&err);
        if (docker_client_from_env(&client, NULL, &err) < 0 ||
            docker_client_negotiate(client, &err) < 0)
                ck_abort_msg("no engine for the tests: %s", err.msg);
        return client;
}

/* Remove each object that a list call returns, by the field named. */
static void remove_listed(struct docker_client *c, const char *list_path, const char *array_key,
                          const char *id_key, const char *remove_fmt)
{
        struct docker_request req = {.method = "GET", .path = list_path};
        struct berth_err err;
        json_t *j = NULL, *arr, *item;
        char path[1024];
        size_t i;

        if (docker_call_json(c, &req, &j, &err) < 0) {
                fprintf(stderr, "bt_cleanup: %s\n", err.msg);
                return;
        }
        arr = array_key ? json_object_get(j, array_key) : j;
        json_array_foreach(arr, i, item)
        {
                const char *id = json_string_value(json_object_get(item, id_key));
                struct docker_request del = {.method = "DELETE", .path = path};

                if (!id)
                        continue;
                snprintf(path, sizeof(path), remove_fmt, id);
                if (docker_call(c, &del, NULL, &err) < 0 && err.code != BERTH_ENOTFOUND)
                        fprintf(stderr, "bt_cleanup: %s\n", err.msg);
        }
        json_decref(j);
}

/* bt_tmpdir()'s directories, each a malloc()ed path: no limit, as with
 * CK_FORK=no (valgrind) every test of a suite runs in one process. */
static char **tmpdirs;
static size_t ntmpdirs;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st, (void)flag, (void)ftw;
        return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Tests name every image tag they make berth-test/<run>-<suite>-...; untag
 * exactly those, whatever image they point at (a tag on the run's base
 * image, which carries the run's label and not the suite's, included). */
static void remove_test_images(struct docker_client *c)
{
        struct docker_request req = {.method = "GET"};
        struct berth_err err;
        json_t *j = NULL, *item, *tag;
        char path[2048], prefix[256];
        size_t i, k;

        snprintf(path, sizeof(path), "/images/json");
        req.path = path;
        snprintf(prefix, sizeof(prefix), "berth-test/%s-", bt_run_id());
        if (docker_call_json(c, &req, &j, &err) < 0) {
                fprintf(stderr, "bt_cleanup: %s\n", err.msg);
                return;
        }
        json_array_foreach(j, i, item)
        {
                json_array_foreach(json_object_get(item, "RepoTags"), k, tag)
                {
                        const char *t = json_string_value(tag);
                        char *esc;
                        struct docker_request del = {.method = "DELETE", .path = path};

                        if (!t || strncmp(t, prefix, strlen(prefix)))
                                continue;
                        esc = docker_escape(t);
                        snprintf(path, sizeof(path), "/images/%s?force=1", esc);
                        free(esc);
                        if (docker_call(c, &del, NULL, &err) < 0 && err.code != BERTH_ENOTFOUND)
                                fprintf(stderr, "bt_cleanup: %s\n", err.msg);
                }
        }
        json_decref(j);
}

void bt_cleanup(void)
{
        struct docker_client *c = NULL;
        struct berth_err err;
        char *filters, path[2048];
        int k;

        if (!getenv("BERTH_TEST_RUN") || !getenv("DOCKER_HOST"))
                return;
        /* A client of its own, freed here: cleanup also runs in check's
         * parent process, whose children must not inherit a live client
         * (its connections, and a leak report from each child). */
        if (docker_client_from_env(&c, NULL, &err) < 0) {
                fprintf(stderr, "bt_cleanup: %s\n", err.msg);
                return;
        }
        /* What the test made itself, then what berth made in the test's
         * scope (berth.scope=<run id>). */
        for (k = 0; k < 2; k++) {
                filters = docker_filters("label", k ? bt_scope_filter() : bt_label_filter(), NULL);
                if (!filters)
                        continue;
                snprintf(path, sizeof(path), "/containers/json?all=1&filters=%s", filters);
                remove_listed(c, path, NULL, "Id", "/containers/%s?force=1&v=1");
                snprintf(path, sizeof(path), "/networks?filters=%s", filters);
                remove_listed(c, path, NULL, "Id", "/networks/%s");
                snprintf(path, sizeof(path), "/volumes?filters=%s", filters);
                remove_listed(c, path, "Volumes", "Name", "/volumes/%s?force=1");
                free(filters);
        }
        remove_test_images(c);
        docker_client_free(c);
}

static void cleanup_fixture(void)
{
        bt_cleanup();
}

void bt_tcase_engine(TCase *tc)
{
        /* checked: in each passing test's own process; unchecked: in the
         * runner after the case, which covers a test that failed or
         * crashed (check _exit()s those without their teardown) */
        tcase_add_checked_fixture(tc, NULL, cleanup_fixture);
        tcase_add_unchecked_fixture(tc, NULL, cleanup_fixture);
        tcase_set_timeout(tc, 120);
}

static int run_suite(Suite *s)
{
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_run_all(sr, CK_VERBOSE);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

int bt_unit_main(Suite *s)
{
        int rc = run_suite(s);

        bt_cleanup();
        return rc;
}

int bt_engine_main(Suite *s)
{
        static const char *const vars[] = {"DOCKER_HOST", "BERTH_TEST_RUN", "BERTH_TEST_IMAGE"};
        size_t i;
        int rc;

        for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
                if (!getenv(vars[i]) || !*getenv(vars[i])) {
                        fprintf(stderr,
                                "%s is not set: engine tests run under tests/run, which starts "
                                "an engine and a registry and sets it\n",
                                vars[i]);
                        srunner_free(srunner_create(s)); /* frees s */
                        return EXIT_FAILURE;
                }
        }
        rc = run_suite(s);
        bt_cleanup();
        docker_client_free(client);
        client = NULL;
        return rc;
}

/* Drain both pipes together so neither can fill up and block the child. */
static void read_both(int ofd, int efd, char **out, char **errout)
{
        struct berth_buf b[2];
        struct pollfd p[2] = {{.fd = ofd, .events = POLLIN}, {.fd = efd, .events = POLLIN}};
        char chunk[4096];
        ssize_t n;
        int open_fds = 2, i;

        berth_buf_init(&b[0], 64UL << 20);
        berth_buf_init(&b[1], 64UL << 20);
        while (open_fds > 0) {
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                for (i = 0; i < 2; i++) {
                        if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                                continue;
                        n = read(p[i].fd, chunk, sizeof(chunk));
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0) {
                                p[i].fd = -1;
                                open_fds--;
                                continue;
                        }
                        berth_buf_add(&b[i], chunk, (size_t)n);
                }
        }
        if (out)
                *out = berth_buf_steal(&b[0]);
        if (errout)
                *errout = berth_buf_steal(&b[1]);
        berth_buf_release(&b[0]);
        berth_buf_release(&b[1]);
}

int bt_run(char **out, char **errout, const char *const argv[])
{
        int opipe[2], epipe[2], status;
        pid_t pid;

        if (out)
                *out = NULL;
        if (errout)
                *errout = NULL;
        if (pipe2(opipe, O_CLOEXEC) < 0)
                return -1;
        if (pipe2(epipe, O_CLOEXEC) < 0) {
                close(opipe[0]), close(opipe[1]);
                return -1;
        }
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

                dup2(devnull, 0);
                dup2(opipe[1], 1);
                dup2(epipe[1], 2);
                execvp(argv[0], (char *const *)argv);
                fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        close(opipe[1]);
        close(epipe[1]);
        read_both(opipe[0], epipe[0], out, errout);
        close(opipe[0]);
        close(epipe[0]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

pid_t bt_spawn(const char *out_path, const char *err_path, const char *const argv[])
{
        pid_t pid, parent = getpid();
        int in, out, err;

        in = open("/dev/null", O_RDONLY | O_CLOEXEC);
        out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_msg(in >= 0 && out >= 0 && err >= 0, "cannot open the output files: %s",
                      strerror(errno));
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                /* a daemon (berth watch) must not outlive a test that failed:
                 * check _exit()s it without its teardown */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                        _exit(127);
                dup2(in, 0);
                dup2(out, 1);
                dup2(err, 2);
                execv(argv[0], (char *const *)argv);
                fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        close(in);
        close(out);
        close(err);
        return pid;
}

double bt_now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bt_sleep_ms(long ms)
{
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

void bt_write_file(const char *dir, const char *name, const char *text)
{
        char path[PATH_MAX];
        FILE *f;

        mkdir(dir, 0755);
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
        fputs(text, f);
        ck_assert_int_eq(fclose(f), 0);
}

static pid_t tmpdirs_owner;

/* At exit of the process that made the directories: a forked test
 * inherits this handler and the parent's list, and must not delete what
 * its parent still uses. */
static void tmpdirs_forget(void)
{
        size_t i;

        for (i = 0; i < ntmpdirs; i++)
                free(tmpdirs[i]);
        free(tmpdirs);
        tmpdirs = NULL;
        ntmpdirs = 0;
}

static void remove_tmpdirs(void)
{
        size_t i;

        if (getpid() != tmpdirs_owner)
                return;
        for (i = 0; i < ntmpdirs; i++)
                nftw(tmpdirs[i], rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        tmpdirs_forget();
}

static struct policy *allow_all;

static void allow_all_free(void)
{
        policy_free(allow_all);
        allow_all = NULL;
}

const struct policy *bt_policy_allow_all(void)
{
        struct policy *p = allow_all;
        struct diag_list diags;
        struct berth_err err;

        if (p)
                return p;
        diag_list_init(&diags);
        berth_err_clear(&err);
        ck_assert_msg(policy_load(&p, BT_POLICY_ALLOW_ALL, 0, &diags, &err) == 0, "%s: %s",
                      BT_POLICY_ALLOW_ALL, err.msg);
        diag_list_release(&diags);
        allow_all = p;
        atexit(allow_all_free);
        return p;
}

const char *bt_tmpdir(void)
{
        const char *base = getenv("TMPDIR");
        char **v, *d;

        /* tests run in forked children: each process removes what it made
         * (a child's copy of its parent's list is dropped, not removed) */
        if (tmpdirs_owner != getpid()) {
                tmpdirs_forget();
                tmpdirs_owner = getpid();
                atexit(remove_tmpdirs);
        }
        v = realloc(tmpdirs, (ntmpdirs + 1) * sizeof(*v));
        ck_assert_ptr_nonnull(v);
        tmpdirs = v;
        ck_assert_int_ge(asprintf(&d, "%s/berth-test-XXXXXX", base && *base ? base : "/tmp"), 0);
        tmpdirs[ntmpdirs++] = d;
        ck_assert_msg(mkdtemp(d) != NULL, "mkdtemp: %s", strerror(errno));
        return d;
}

json_t *bt_json_at(json_t *root, const char *path)
{
        char key[256];
        const char *dot;

        while (root && *path) {
                dot = strchr(path, '.');
                snprintf(key, sizeof(key), "%.*s", dot ? (int)(dot - path) : (int)strlen(path),
                         path);
                root = json_object_get(root, key);
                path = dot ? dot + 1 : "";
        }
        return root;
}

void bt_git(const char *repo, const char *const args[])
{
        const char *argv[32] = {"git",
                                "-C",
                                repo,
                                "-c",
                                "user.name=berth test",
                                "-c",
                                "user.email=berth@test.invalid",
                                "-c",
                                "init.defaultBranch=main",
                                "-c",
                                "gc.auto=0"};
        char *out = NULL, *errout = NULL;
        size_t n = 11, i;
        int rc;

        for (i = 0; args[i]; i++) {
                ck_assert_uint_lt(n, 31);
                argv[n++] = args[i];
        }
        argv[n] = NULL;
        rc = bt_run(&out, &errout, argv);
        ck_assert_msg(rc == 0, "git %s failed (%d): %s%s", args[0], rc, out ? out : "",
                      errout ? errout : "");
        free(out);
        free(errout);
}

static const char jsonschema_check[] =
    "import json, sys\n"
    "try:\n"
    "    import jsonschema\n"
    "except ImportError as e:\n"
    "    sys.stderr.write('cannot import jsonschema: %s\\n' % e)\n"
    "    sys.exit(3)\n"
    "with open(sys.argv[1]) as f:\n"
    "    schema = json.load(f)\n"
    "try:\n"
    "    jsonschema.Draft7Validator.check_schema(schema)\n"
    "except jsonschema.SchemaError as e:\n"
    "    sys.stderr.write('the schema is not a draft-07 schema: %s\\n' % e)\n"
    "    sys.exit(4)\n"
    "v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator."
    "FORMAT_CHECKER)\n"
    "bad = 0\n"
    "with open(sys.argv[2]) as f:\n"
    "    for n, line in enumerate(f):\n"
    "        for e in v.iter_errors(json.loads(line)):\n"
    "            bad += 1\n"
    "            sys.stderr.write('document %d: %s: %s\\n' % (n, list(e.path), e.message))\n"
    "sys.exit(1 if bad else 0)\n";

int bt_jsonschema_check(const char *schema_path, const json_t *docs, char **errout)
{
        const char *py = getenv("BERTH_TEST_PYTHON");
        char path[4096];
        const char *argv[] = {
            py && *py ? py : "python3", "-c", jsonschema_check, schema_path, path, NULL};
        char *out = NULL;
        const json_t *doc;
        size_t i;
        int status;
        FILE *f;

        /* one document a line, in a file of the test's own */
        snprintf(path, sizeof(path), "%s/documents.jsonl", bt_tmpdir());
        f = fopen(path, "we");
        ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
        json_array_foreach(docs, i, doc)
        {
                ck_assert_int_eq(json_dumpf(doc, f, JSON_COMPACT), 0);
                fputc('\n', f);
        }
        ck_assert_int_eq(fclose(f), 0);
        *errout = NULL;
        status = bt_run(&out, errout, argv);
        free(out);
        ck_assert_msg(status == 0 || status == 1,
                      "cannot check %s with python (exit %d): %s\ninstall python3-jsonschema "
                      "(apt-get install python3-jsonschema; tests/run does)",
                      schema_path, status, *errout ? *errout : "");
        return status;
}
