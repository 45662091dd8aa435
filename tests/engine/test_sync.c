/* berth sync against a local bare repository and the real engine (issue
 * 6's "what it must show"): commits followed (new, edit, deletion), an
 * invalid commit kept out with its error in /status and /metrics and the
 * fix applied, the webhook (a valid signature fetches at once; a bad or
 * missing one is 401, an oversized body 413, and neither fetches), a
 * repository that goes away (containers untouched, backoff in the log,
 * recovery), a restart that reconciles from the cache while the
 * repository is away, a force-pushed ref, and git missing.
 *
 * The repository is a bare one in the test's temporary directory, pushed
 * to from a clone of it, as a developer would.  berth sync runs as a child
 * (berth_daemon.h) with its log in JSON; the test reads what it did from
 * the log, the engine and the HTTP endpoints.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "berth_cli.h"
#include "berth_daemon.h"
#include "berth_test.h"
#include "common/buf.h"
#include "docker/container.h"

#define SECRET "it is a secret to everybody"

/* The test's repository: origin (bare), and work (a clone to push from). */
struct repo {
        char *dir, *origin, *work, *cache;
};

static struct repo repo_new(void)
{
        struct repo r;

        r.dir = bt_fmt("%s", bt_tmpdir());
        r.origin = bt_fmt("%s/origin.git", r.dir);
        r.work = bt_fmt("%s/work", r.dir);
        r.cache = bt_fmt("%s/cache", r.dir);
        BT_GIT(r.dir, "init", "-q", "--bare", r.origin);
        BT_GIT(r.dir, "init", "-q", r.work);
        BT_GIT(r.work, "remote", "add", "origin", r.origin);
        return r;
}

static void repo_release(struct repo *r)
{
        free(r->dir);
        free(r->origin);
        free(r->work);
        free(r->cache);
}

/* Commit everything in the clone and push it; the commit's id. */
static char *repo_commit(const struct repo *r, const char *message)
{
        const char *argv[] = {"git", "-C", r->work, "rev-parse", "HEAD", NULL};
        char *head = NULL;

        BT_GIT(r->work, "add", "-A");
        BT_GIT(r->work, "commit", "-q", "--allow-empty", "-m", message);
        BT_GIT(r->work, "push", "-q", "origin", "HEAD:main");
        ck_assert_int_eq(bt_run(&head, NULL, argv), 0);
        head[strcspn(head, "\n")] = '\0';
        return head;
}

static char *deploy_dir(const struct repo *r)
{
        char *d = bt_fmt("%s/deploy", r->work);

        ck_assert(mkdir(d, 0755) == 0 || errno == EEXIST);
        return d;
}

/* A manifest of project `project` with one sleeping service web, whose
 * environment says V=value. */
static void write_app(const struct repo *r, const char *file, const char *project,
                      const char *value)
{
        char *d = deploy_dir(r), *env = bt_fmt("    environment:\n      V: \"%s\"\n", value);

        bt_manifest(d, file, project, bt_service("web", env), NULL);
        free(env);
        free(d);
}

/* berth sync of the repository's deploy/ in the suite's scope. */
static void sync_spawn(const struct repo *r, const char *interval, const char *listen,
                       const char *secret_file)
{
        const char *args[24];
        size_t n = 0;

        args[n++] = "sync";
        args[n++] = "--repo";
        args[n++] = r->origin;
        args[n++] = "--ref";
        args[n++] = "main";
        args[n++] = "--path";
        args[n++] = "deploy";
        args[n++] = "--interval";
        args[n++] = interval;
        args[n++] = "--cache";
        args[n++] = r->cache;
        args[n++] = "--debounce";
        args[n++] = "100";
        args[n++] = "--log-format";
        args[n++] = "json";
        if (listen) {
                args[n++] = "--listen";
                args[n++] = listen;
        }
        if (secret_file) {
                args[n++] = "--webhook-secret-file";
                args[n++] = secret_file;
        }
        args[n] = NULL;
        bt_daemon_spawn(args);
}

/* Checked teardown before the cleanup: berth sync stops on SIGTERM with 0. */
static void sync_stop(void)
{
        int status = bt_daemon_stop();

        ck_assert_msg(status == 0, "berth sync exited %d on SIGTERM (-1: it did not); its log:\n%s",
                      status, bt_file_read(bt_daemon_log));
}

/* Wait for "applied" of commit (its 12-digit prefix) from mark on. */
static size_t applied_wait(size_t mark, const char *commit, double timeout_s)
{
        char shortrev[13];
        size_t at;
        json_t *line;

        snprintf(shortrev, sizeof(shortrev), "%.12s", commit);
        line = bt_log_wait(&at, mark, "applied", "revision", shortrev, timeout_s);
        json_decref(line);
        return at + 1;
}

/* The container's id and berth.revision label. */
static void container_rev(char id[80], char rev[80], const char *name)
{
        struct docker_container_info info = {0};
        struct berth_err err;
        const char *v;

        ck_assert_msg(docker_container_inspect(&info, bt_client(), name, &err) == 0, "%s: %s", name,
                      err.msg);
        v = docker_kv_get(info.labels, info.n_labels, "berth.revision");
        snprintf(id, 80, "%s", info.id);
        snprintf(rev, 80, "%s", v ? v : "");
        ck_assert_msg(info.state.running, "%s is not running", name);
        docker_container_info_release(&info);
}

static const char *web(const char *project)
{
        static char b[4][256];
        static unsigned next;
        char *s = b[next++ % 4];

        snprintf(s, sizeof(b[0]), "%s-web-1", bt_name(project));
        return s;
}

/* Entries of a directory, but . and .. */
static size_t entries(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        size_t n = 0;

        ck_assert_msg(d != NULL, "%s: %s", dir, strerror(errno));
        while ((de = readdir(d)))
                n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
        closedir(d);
        return n;
}

/* ---- HTTP --------------------------------------------------------------- */

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
        struct berth_buf *b = ud;

        berth_buf_add(b, p, size * n);
        return size * n;
}

/* One request; the status, and the body in *body (free it; may be NULL). */
static long http(char **body, const char *method, const char *url, const char *data, size_t len,
                 const char *header)
{
        CURL *h = curl_easy_init();
        struct curl_slist *hs = NULL;
        struct berth_buf b;
        long status = 0;
        CURLcode rc;

        berth_buf_init(&b, 4 << 20);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
        if (data) {
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, data);
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
        }
        if (header)
                hs = curl_slist_append(hs, header);
        hs = curl_slist_append(hs, "Expect:");
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
        rc = curl_easy_perform(h);
        ck_assert_msg(rc == CURLE_OK, "%s %s: %s", method, url, curl_easy_strerror(rc));
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(hs);
        curl_easy_cleanup(h);
        if (body)
                *body = berth_buf_steal(&b);
        berth_buf_release(&b);
        return status;
}

/* "X-Hub-Signature-256: sha256=<hex>" of body under key. */
static char *signature(const char *key, const char *body)
{
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int n = 0, i;
        char hex[2 * EVP_MAX_MD_SIZE + 1];

        HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)body, strlen(body), mac,
             &n);
        for (i = 0; i < n; i++)
                snprintf(hex + 2 * i, 3, "%02x", mac[i]);
        return bt_fmt("X-Hub-Signature-256: sha256=%s", hex);
}

/* The base URL from the "listening" line. */
static char *listening_url(void)
{
        json_t *line = bt_log_wait(NULL, 0, "listening", NULL, NULL, 30);
        char *url = bt_fmt("http://127.0.0.1:%s", bt_log_field(line, "port"));

        json_decref(line);
        return url;
}

static json_t *status_json(const char *base)
{
        char *url = bt_fmt("%s/status", base), *body = NULL;
        json_error_t je;
        json_t *v;

        ck_assert_int_eq(http(&body, "GET", url, NULL, 0, NULL), 200);
        v = json_loads(body, 0, &je);
        ck_assert_msg(v, "/status is not JSON (%s): %s", je.text, body);
        { /* and it is what schema/status.schema.json says */
                json_t *one = json_pack("[O]", v);
                char *errout = NULL;

                ck_assert_msg(bt_jsonschema_check(BERTH_TEST_DATA "/../schema/status.schema.json",
                                                  one, &errout) == 0,
                              "/status does not match its schema:\n%s", errout);
                json_decref(one);
                free(errout);
        }
        free(body);
        free(url);
        return v;
}

static json_t *status_project(json_t *status, const char *name)
{
        json_t *p;
        size_t i;

        json_array_foreach(json_object_get(status, "projects"), i, p)
        {
                if (!strcmp(json_string_value(json_object_get(p, "name")), name))
                        return p;
        }
        ck_abort_msg("project %s not in /status: %s", name, json_dumps(status, JSON_INDENT(1)));
        return NULL;
}

/* ---- the tests ---------------------------------------------------------- */

/* New manifest → applied with its revision label; edit → recreated; deletion
 * → removed; berth status shows the revision. */
START_TEST(commits_are_followed)
{
        struct repo r = repo_new();
        char *c1, *c2, *c3, id1[80], id2[80], rev[80];
        size_t mark;
        struct bt_berth st;

        write_app(&r, "app.yaml", "app", "1");
        c1 = repo_commit(&r, "app: first");
        sync_spawn(&r, "1s", NULL, NULL);
        mark = applied_wait(0, c1, 30);
        container_rev(id1, rev, web("app"));
        ck_assert_str_eq(rev, c1);
        {
                char *root = bt_fmt("%s/current/deploy", r.cache);

                st = BERTH_OK("status", "-f", root);
                c1[12] = '\0';
                bt_contains(st.out, c1); /* the revision column */
                bt_berth_release(&st);
                free(root);
        }

        write_app(&r, "app.yaml", "app", "2");
        c2 = repo_commit(&r, "app: V=2");
        mark = applied_wait(mark, c2, 30);
        container_rev(id2, rev, web("app"));
        ck_assert_str_eq(rev, c2);
        ck_assert_str_ne(id1, id2);

        {
                char *path = bt_fmt("%s/deploy/app.yaml", r.work);

                ck_assert_int_eq(unlink(path), 0);
                free(path);
        }
        write_app(&r, "other.yaml", "other", "1");
        c3 = repo_commit(&r, "app removed, other added");
        applied_wait(mark, c3, 30);
        {
                char *want = bt_fmt("%s running\n", web("other"));

                bt_state_is(want);
                free(want);
        }
        /* only the current tree is left in the cache (removed after the
         * reconcile that read the new one) */
        {
                char *trees = bt_fmt("%s/trees", r.cache);
                double end = bt_now_s() + 10;
                size_t n;

                while ((n = entries(trees)) != 1 && bt_now_s() < end)
                        bt_sleep_ms(100);
                ck_assert_uint_eq(n, 1);
                free(trees);
        }
        free(c1);
        free(c2);
        free(c3);
        repo_release(&r);
}
END_TEST

/* An invalid commit: the project stays on the last good commit, the error
 * is in the log, /status and /metrics; the fix is applied. */
START_TEST(invalid_commit_keeps_the_last_good)
{
        struct repo r = repo_new();
        char *good, *bad, *fix, id1[80], id2[80], rev[80], *base, *metrics = NULL, *url, *path;
        json_t *status, *p, *line;
        size_t mark, at;

        write_app(&r, "app.yaml", "app", "1");
        good = repo_commit(&r, "good");
        sync_spawn(&r, "1s", "127.0.0.1:0", NULL);
        base = listening_url();
        mark = applied_wait(0, good, 30);
        container_rev(id1, rev, web("app"));

        path = bt_fmt("%s/deploy/app.yaml", r.work);
        {
                FILE *f = fopen(path, "w");

                ck_assert_ptr_nonnull(f);
                fprintf(f, "name: %s\nservices: [unclosed\n", bt_name("app"));
                fclose(f);
        }
        bad = repo_commit(&r, "broken");
        line = bt_log_wait(&at, mark, "manifest", "problem", "app.yaml:3:1", 30);
        json_decref(line);
        line = bt_log_wait(&at, at, "reconcile", "frozen_manifests", "yes", 30);
        json_decref(line);
        ck_assert_uint_eq(bt_log_count(mark, "applied", NULL, NULL), 0);
        container_rev(id2, rev, web("app"));
        ck_assert_str_eq(id1, id2); /* untouched */
        ck_assert_str_eq(rev, good);

        status = status_json(base);
        p = status_project(status, bt_name("app"));
        ck_assert_str_eq(json_string_value(json_object_get(p, "result")), "invalid");
        ck_assert_str_eq(json_string_value(json_object_get(p, "revision")), good);
        ck_assert_str_eq(json_string_value(json_object_get(p, "error_revision")), bad);
        bt_contains(json_string_value(json_object_get(p, "error")), "app.yaml:3:1");
        json_decref(status);
        url = bt_fmt("%s/metrics", base);
        ck_assert_int_eq(http(&metrics, "GET", url, NULL, 0, NULL), 200);
        bt_contains(metrics, bad); /* the failing commit is visible */
        bt_contains(metrics, "result=\"invalid\"");
        free(metrics);

        write_app(&r, "app.yaml", "app", "fixed");
        fix = repo_commit(&r, "fixed");
        applied_wait(at, fix, 30);
        container_rev(id2, rev, web("app"));
        ck_assert_str_eq(rev, fix);
        ck_assert_str_ne(id1, id2);
        status = status_json(base);
        p = status_project(status, bt_name("app"));
        ck_assert_str_eq(json_string_value(json_object_get(p, "result")), "ok");
        json_decref(status);
        free(url);
        free(path);
        free(base);
        free(good);
        free(bad);
        free(fix);
        repo_release(&r);
}
END_TEST

/* The webhook: a valid signature fetches at once (the interval is an
 * hour); a bad or missing one is 401 and an oversized body 413, and
 * neither fetches. */
START_TEST(webhook_triggers_a_fetch)
{
        struct repo r = repo_new();
        char *c1, *c2, *base, *hook, *secret_file = bt_fmt("%s/secret", bt_tmpdir()), *sig, *big;
        const char *payload = "{\"ref\":\"refs/heads/main\"}";
        FILE *f = fopen(secret_file, "w");
        size_t mark, n = 2 << 20;
        double t0;

        ck_assert_ptr_nonnull(f);
        fputs(SECRET "\n", f);
        fclose(f);
        write_app(&r, "app.yaml", "app", "1");
        c1 = repo_commit(&r, "first");
        sync_spawn(&r, "1h", "127.0.0.1:0", secret_file);
        base = listening_url();
        hook = bt_fmt("%s/hooks/git", base);
        mark = applied_wait(0, c1, 30);

        write_app(&r, "app.yaml", "app", "2");
        c2 = repo_commit(&r, "second");
        /* refused ones first: none may fetch */
        ck_assert_int_eq(http(NULL, "POST", hook, payload, strlen(payload), NULL), 401);
        sig = signature("wrong secret", payload);
        ck_assert_int_eq(http(NULL, "POST", hook, payload, strlen(payload), sig), 401);
        free(sig);
        sig = signature(SECRET, "{\"ref\":\"refs/heads/other\"}"); /* another body's */
        ck_assert_int_eq(http(NULL, "POST", hook, payload, strlen(payload), sig), 401);
        free(sig);
        big = malloc(n + 1);
        memset(big, 'x', n);
        big[n] = '\0';
        sig = signature(SECRET, big);
        ck_assert_int_eq(http(NULL, "POST", hook, big, n, sig), 413);
        free(sig);
        free(big);
        bt_sleep_ms(1500);
        ck_assert_uint_eq(bt_log_count(mark, "fetch requested (webhook)", NULL, NULL), 0);
        ck_assert_uint_eq(bt_log_count(mark, "checked out", NULL, NULL), 0);

        t0 = bt_now_s();
        sig = signature(SECRET, payload);
        ck_assert_int_eq(http(NULL, "POST", hook, payload, strlen(payload), sig), 202);
        applied_wait(mark, c2, 30);
        printf("webhook -> applied: %.2f s\n", bt_now_s() - t0);
        ck_assert_uint_eq(bt_log_count(mark, "fetch requested (webhook)", NULL, NULL), 1);
        free(sig);
        free(hook);
        free(base);
        free(secret_file);
        free(c1);
        free(c2);
        repo_release(&r);
}
END_TEST

/* The repository goes away: fetches fail with backoff in the log, the
 * containers stay; it comes back with a new commit: applied. */
START_TEST(fetch_failure_backs_off_and_recovers)
{
        struct repo r = repo_new();
        char *c1, *c2, *moved = bt_fmt("%s/moved.git", r.dir), id1[80], id2[80], rev[80];
        json_t *line;
        size_t mark, at;
        long f1, f3;

        write_app(&r, "app.yaml", "app", "1");
        c1 = repo_commit(&r, "first");
        sync_spawn(&r, "1s", NULL, NULL);
        mark = applied_wait(0, c1, 30);
        container_rev(id1, rev, web("app"));

        ck_assert_int_eq(rename(r.origin, moved), 0);
        line = bt_log_wait_nth(&at, mark, 1, "fetch failed", NULL, NULL, 30);
        bt_contains(bt_log_field(line, "error"), "cannot fetch 'main' from");
        f1 = bt_log_field_long(line, "failures");
        json_decref(line);
        line = bt_log_wait_nth(NULL, mark, 3, "fetch failed", NULL, NULL, 60);
        f3 = bt_log_field_long(line, "failures");
        json_decref(line);
        ck_assert_int_eq(f3, f1 + 2);
        line = bt_log_wait(NULL, mark, "next fetch", NULL, NULL, 5);
        json_decref(line);
        container_rev(id2, rev, web("app"));
        ck_assert_str_eq(id1, id2);

        /* back, with a new commit pushed meanwhile */
        ck_assert_int_eq(rename(moved, r.origin), 0);
        write_app(&r, "app.yaml", "app", "2");
        c2 = repo_commit(&r, "while away");
        applied_wait(at, c2, 60);
        container_rev(id2, rev, web("app"));
        ck_assert_str_eq(rev, c2);
        free(moved);
        free(c1);
        free(c2);
        repo_release(&r);
}
END_TEST

/* A restart while the repository is away reconciles from the cache. */
START_TEST(restart_uses_the_cached_checkout)
{
        struct repo r = repo_new();
        char *c1, *moved = bt_fmt("%s/moved.git", r.dir), id1[80], id2[80], rev[80];
        json_t *line;

        write_app(&r, "app.yaml", "app", "1");
        c1 = repo_commit(&r, "first");
        sync_spawn(&r, "1s", NULL, NULL);
        applied_wait(0, c1, 30);
        container_rev(id1, rev, web("app"));
        sync_stop();
        ck_assert_int_eq(rename(r.origin, moved), 0);
        {
                struct berth_err err;

                ck_assert_msg(docker_container_remove(bt_client(), web("app"), DOCKER_REMOVE_FORCE,
                                                      &err) == 0,
                              "%s", err.msg);
        }

        sync_spawn(&r, "1s", NULL, NULL);
        line = bt_log_wait(NULL, 0, "reconciling from the last checkout while fetching", NULL, NULL,
                           30);
        json_decref(line);
        line = bt_log_wait(NULL, 0, "fetch failed", NULL, NULL, 30);
        json_decref(line);
        applied_wait(0, c1, 30); /* the removed container is back from the cache */
        container_rev(id2, rev, web("app"));
        ck_assert_str_eq(rev, c1);
        free(moved);
        free(c1);
        repo_release(&r);
}
END_TEST

/* A force-pushed ref (history rewritten) is followed like any move. */
START_TEST(force_push_is_followed)
{
        struct repo r = repo_new();
        char *c1, *c2, id[80], rev[80];
        const char *argv[] = {"git", "-C", r.work, "rev-parse", "HEAD", NULL};
        size_t mark;

        write_app(&r, "app.yaml", "app", "1");
        c1 = repo_commit(&r, "first");
        sync_spawn(&r, "1s", NULL, NULL);
        mark = applied_wait(0, c1, 30);
        write_app(&r, "app.yaml", "app", "rewritten");
        BT_GIT(r.work, "add", "-A");
        BT_GIT(r.work, "commit", "-q", "--amend", "-m", "first, rewritten");
        BT_GIT(r.work, "push", "-q", "--force", "origin", "HEAD:main");
        ck_assert_int_eq(bt_run(&c2, NULL, argv), 0);
        c2[strcspn(c2, "\n")] = '\0';
        applied_wait(mark, c2, 30);
        container_rev(id, rev, web("app"));
        ck_assert_str_eq(rev, c2);
        free(c1);
        free(c2);
        repo_release(&r);
}
END_TEST

/* Command line and environment problems: exact messages, exit codes. */
START_TEST(refusals)
{
        struct repo r = repo_new();
        struct bt_berth b;
        char *path = bt_fmt("%s", getenv("PATH"));

        b = BERTH_EXPECT(64, "sync");
        ck_assert_str_eq(b.err, "berth sync: --repo URL is required: the git repository to "
                                "follow\n");
        bt_berth_release(&b);
        b = BERTH_EXPECT(64, "sync", "--repo", r.origin, "--path", "/etc");
        ck_assert_str_eq(b.err, "berth sync: --path '/etc' must be a directory inside the "
                                "repository, relative and without '..'\n");
        bt_berth_release(&b);
        b = BERTH_EXPECT(64, "sync", "--repo", r.origin, "--interval", "0s");
        ck_assert_str_eq(b.err, "berth sync: --interval is a duration from 1s to 24h (60s, 5m, "
                                "1h30m), not '0s'\n");
        bt_berth_release(&b);
        b = BERTH_EXPECT(64, "sync", "--repo", r.origin, "--webhook-secret-file", "/x");
        ck_assert_str_eq(b.err, "berth sync: --webhook-secret-file needs --listen ADDR:PORT\n");
        bt_berth_release(&b);
        /* no git on PATH */
        setenv("PATH", "/nonexistent", 1);
        b = BERTH_EXPECT(1, "sync", "--repo", r.origin, "--cache", r.cache);
        setenv("PATH", path, 1);
        bt_contains(b.err, "berth: berth sync runs git, which is not installed: apt-get install "
                           "git\n");
        bt_berth_release(&b);
        free(path);
        repo_release(&r);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("sync");
        TCase *tc = tcase_create("sync");

        setvbuf(stdout, NULL, _IOLBF, 0);
        bt_tcase_engine(tc);
        /* added after the cleanup, so sync_stop() runs before it */
        tcase_add_checked_fixture(tc, bt_cleanup, sync_stop);
        tcase_set_timeout(tc, 180);
        tcase_add_test(tc, commits_are_followed);
        tcase_add_test(tc, invalid_commit_keeps_the_last_good);
        tcase_add_test(tc, webhook_triggers_a_fetch);
        tcase_add_test(tc, fetch_failure_backs_off_and_recovers);
        tcase_add_test(tc, restart_uses_the_cached_checkout);
        tcase_add_test(tc, force_push_is_followed);
        tcase_add_test(tc, refusals);
        suite_add_tcase(s, tc);
        return bt_engine_main(s);
}
