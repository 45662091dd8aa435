#include "docker/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/clock.h"

#define HELPER_PREFIX "docker-credential-"

struct docker_auth_config {
        char *path;
        json_t *root;            /* owned; NULL when the file is missing */
        json_t *auths;           /* borrowed from root, or NULL */
        json_t *cred_helpers;    /* borrowed from root, or NULL */
        const char *creds_store; /* borrowed from root, or NULL */
};

void docker_auth_init(struct docker_auth *a)
{
        memset(a, 0, sizeof(*a));
}

void docker_auth_release(struct docker_auth *a)
{
        if (!a)
                return;
        free(a->username);
        if (a->password)
                OPENSSL_cleanse(a->password, strlen(a->password));
        free(a->password);
        if (a->identitytoken)
                OPENSSL_cleanse(a->identitytoken, strlen(a->identitytoken));
        free(a->identitytoken);
        free(a->serveraddress);
        docker_auth_init(a);
}

static int dup_or_null(char **out, const char *s)
{
        *out = NULL;
        if (!s)
                return 0;
        *out = strdup(s);
        return *out ? 0 : BERTH_ENOMEM;
}

int docker_auth_set(struct docker_auth *a, const char *username, const char *password,
                    const char *identitytoken, const char *serveraddress, struct berth_err *err)
{
        int r = 0;

        docker_auth_release(a);
        if (dup_or_null(&a->username, username) < 0 || dup_or_null(&a->password, password) < 0 ||
            dup_or_null(&a->identitytoken, identitytoken) < 0 ||
            dup_or_null(&a->serveraddress, serveraddress) < 0) {
                docker_auth_release(a);
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
        }
        return r;
}

int docker_auth_has_credentials(const struct docker_auth *a)
{
        return a && ((a->username && *a->username) || (a->identitytoken && *a->identitytoken));
}

void docker_auth_key_host(char *buf, size_t size, const char *key)
{
        static const char *const hub_names[] = {"index.docker.io", "registry-1.docker.io",
                                                DOCKER_HUB_DOMAIN};
        size_t n, i;

        if (size == 0)
                return;
        if (strncasecmp(key, "https://", 8) == 0)
                key += 8;
        else if (strncasecmp(key, "http://", 7) == 0)
                key += 7;
        n = strcspn(key, "/");
        if (n >= size)
                n = size - 1;
        memcpy(buf, key, n);
        buf[n] = '\0';
        for (i = 0; i < sizeof(hub_names) / sizeof(hub_names[0]); i++) {
                if (strcasecmp(buf, hub_names[i]) == 0) {
                        snprintf(buf, size, "%s", DOCKER_HUB_DOMAIN);
                        break;
                }
        }
}

const char *docker_auth_server_key(const char *registry)
{
        char host[256];

        docker_auth_key_host(host, sizeof(host), registry);
        if (strcmp(host, DOCKER_HUB_DOMAIN) == 0)
                return DOCKER_HUB_AUTH_KEY;
        return registry;
}

static int key_matches(const char *key, const char *registry)
{
        char a[256], b[256];

        docker_auth_key_host(a, sizeof(a), key);
        docker_auth_key_host(b, sizeof(b), registry);
        return a[0] && strcasecmp(a, b) == 0;
}

/* The member of obj for registry: its exact key first, then any key naming
 * the same host. */
static json_t *find_entry(json_t *obj, const char *registry, const char **key_out)
{
        const char *key = docker_auth_server_key(registry);
        json_t *v;

        if (!obj)
                return NULL;
        v = json_object_get(obj, key);
        if (v) {
                *key_out = key;
                return v;
        }
        json_object_foreach(obj, key, v)
        {
                if (key_matches(key, registry)) {
                        *key_out = key;
                        return v;
                }
        }
        return NULL;
}

int docker_base64_decode(char **out, size_t *len, const char *in, struct berth_err *err)
{
        size_t n, pad = 0, i;
        char *buf = NULL;
        int got, r = 0;

        berth_err_clear(err);
        *out = NULL;
        *len = 0;
        while (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r')
                in++;
        n = strlen(in);
        while (n > 0 &&
               (in[n - 1] == ' ' || in[n - 1] == '\t' || in[n - 1] == '\n' || in[n - 1] == '\r'))
                n--;
        if (n % 4 != 0) {
                r = berth_err_set(err, BERTH_EINVALID,
                                  "not valid base64: length %zu is not a multiple of 4", n);
                goto out;
        }
        while (pad < 2 && pad < n && in[n - 1 - pad] == '=')
                pad++;
        for (i = 0; i < n - pad; i++) {
                if (in[i] == '=') {
                        r = berth_err_set(err, BERTH_EINVALID,
                                          "not valid base64: '=' at position %zu", i + 1);
                        goto out;
                }
        }
        if (n > INT_MAX) {
                r = berth_err_set(err, BERTH_EINVALID, "not valid base64: too long");
                goto out;
        }
        buf = malloc(n / 4 * 3 + 1);
        if (!buf) {
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
                goto out;
        }
        got = EVP_DecodeBlock((unsigned char *)buf, (const unsigned char *)in, (int)n);
        if (got < 0 || (size_t)got < pad) {
                r = berth_err_set(err, BERTH_EINVALID,
                                  "not valid base64: characters outside the base64 alphabet");
                goto out;
        }
        /* EVP_DecodeBlock counts the bytes the padding stands for. */
        *len = (size_t)got - pad;
        buf[*len] = '\0';
        *out = buf;
        buf = NULL;
out:
        free(buf);
        return r;
}

/* base64url with padding, as Go's base64.URLEncoding. */
static char *base64url_encode(const char *in, size_t n)
{
        char *out, *p;

        if (n > (size_t)INT_MAX / 2)
                return NULL;
        out = malloc((n + 2) / 3 * 4 + 1);
        if (!out)
                return NULL;
        EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)in, (int)n);
        for (p = out; *p; p++) {
                if (*p == '+')
                        *p = '-';
                else if (*p == '/')
                        *p = '_';
        }
        return out;
}

int docker_auth_header(char **out, const struct docker_auth *a, struct berth_err *err)
{
        json_t *obj = json_object();
        char *text = NULL;
        int r = 0;

        berth_err_clear(err);
        *out = NULL;
        if (!obj)
                goto nomem;
        if (a->identitytoken && *a->identitytoken) {
                if (json_object_set_new(obj, "identitytoken", json_string(a->identitytoken)) < 0)
                        goto nomem;
        } else if (a->username && *a->username) {
                if (json_object_set_new(obj, "username", json_string(a->username)) < 0 ||
                    json_object_set_new(obj, "password",
                                        json_string(a->password ? a->password : "")) < 0)
                        goto nomem;
        }
        if (a->serveraddress &&
            json_object_set_new(obj, "serveraddress", json_string(a->serveraddress)) < 0)
                goto nomem;
        text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
        if (!text)
                goto nomem;
        *out = base64url_encode(text, strlen(text));
        if (!*out)
                goto nomem;
        goto out;
nomem:
        r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
out:
        if (text) {
                OPENSSL_cleanse(text, strlen(text));
                free(text);
        }
        json_decref(obj);
        return r;
}

/* ---- config.json ---- */

static const char *json_kind(const json_t *v)
{
        switch (json_typeof(v)) {
        case JSON_OBJECT:
                return "an object";
        case JSON_ARRAY:
                return "an array";
        case JSON_STRING:
                return "a string";
        case JSON_INTEGER:
        case JSON_REAL:
                return "a number";
        case JSON_TRUE:
        case JSON_FALSE:
                return "a boolean";
        default:
                return "null";
        }
}

/* Decode an auths entry's "auth" into user and password (each may be NULL
 * when only checking). */
static int decode_auth_field(char **user, char **pass, const char *b64, struct berth_err *err)
{
        char *plain = NULL, *colon;
        size_t len;
        int r;

        if (user)
                *user = NULL;
        if (pass)
                *pass = NULL;
        r = docker_base64_decode(&plain, &len, b64, err);
        if (r < 0)
                goto out;
        colon = memchr(plain, ':', len);
        if (!colon || strlen(plain) != len) {
                r = berth_err_set(err, BERTH_EINVALID,
                                  "the decoded value is not \"user:password\"");
                goto out;
        }
        if (colon == plain) {
                r = berth_err_set(err, BERTH_EINVALID, "the decoded user name is empty");
                goto out;
        }
        *colon = '\0';
        if ((user && !(*user = strdup(plain))) || (pass && !(*pass = strdup(colon + 1)))) {
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
                goto out;
        }
out:
        if (r < 0 && user) {
                free(*user);
                *user = NULL;
        }
        if (r < 0 && pass) {
                free(*pass);
                *pass = NULL;
        }
        if (plain) {
                OPENSSL_cleanse(plain, len);
                free(plain);
        }
        return r;
}

static int check_helper_name(const char *name)
{
        return name[0] && !strchr(name, '/') && strlen(name) < 200;
}

static int config_validate(struct docker_auth_config *cfg, struct berth_err *err)
{
        const char *key;
        json_t *v, *e, *f;

        if (!json_is_object(cfg->root))
                return berth_err_set(err, BERTH_EINVALID,
                                     "cannot read '%s': the top level must be an object, not %s",
                                     cfg->path, json_kind(cfg->root));
        v = json_object_get(cfg->root, "auths");
        if (v && !json_is_null(v)) {
                if (!json_is_object(v))
                        return berth_err_set(
                            err, BERTH_EINVALID,
                            "cannot read '%s': \"auths\" must be an object, not %s", cfg->path,
                            json_kind(v));
                json_object_foreach(v, key, e)
                {
                        if (!json_is_object(e))
                                return berth_err_set(
                                    err, BERTH_EINVALID,
                                    "cannot read '%s': auths.\"%s\" must be an object, not %s",
                                    cfg->path, key, json_kind(e));
                        f = json_object_get(e, "auth");
                        if (f && !json_is_null(f) && !json_is_string(f))
                                return berth_err_set(err, BERTH_EINVALID,
                                                     "cannot read '%s': auths.\"%s\".auth must be "
                                                     "a string, not %s",
                                                     cfg->path, key, json_kind(f));
                        if (json_is_string(f) && json_string_value(f)[0] &&
                            decode_auth_field(NULL, NULL, json_string_value(f), err) < 0) {
                                berth_err_prefix(err, "cannot read '%s': auths.\"%s\".auth",
                                                 cfg->path, key);
                                return err ? err->code : BERTH_EINVALID;
                        }
                        f = json_object_get(e, "identitytoken");
                        if (f && !json_is_null(f) && !json_is_string(f))
                                return berth_err_set(err, BERTH_EINVALID,
                                                     "cannot read '%s': auths.\"%s\".identitytoken "
                                                     "must be a string, not %s",
                                                     cfg->path, key, json_kind(f));
                }
                cfg->auths = v;
        }
        v = json_object_get(cfg->root, "credsStore");
        if (v && !json_is_null(v)) {
                if (!json_is_string(v))
                        return berth_err_set(err, BERTH_EINVALID,
                                             "cannot read '%s': \"credsStore\" must be a string, "
                                             "not %s",
                                             cfg->path, json_kind(v));
                if (json_string_value(v)[0] && !check_helper_name(json_string_value(v)))
                        return berth_err_set(err, BERTH_EINVALID,
                                             "cannot read '%s': \"credsStore\" '%s' is not a "
                                             "credential helper name",
                                             cfg->path, json_string_value(v));
                if (json_string_value(v)[0])
                        cfg->creds_store = json_string_value(v);
        }
        v = json_object_get(cfg->root, "credHelpers");
        if (v && !json_is_null(v)) {
                if (!json_is_object(v))
                        return berth_err_set(err, BERTH_EINVALID,
                                             "cannot read '%s': \"credHelpers\" must be an "
                                             "object, not %s",
                                             cfg->path, json_kind(v));
                json_object_foreach(v, key, e)
                {
                        if (!json_is_string(e))
                                return berth_err_set(err, BERTH_EINVALID,
                                                     "cannot read '%s': credHelpers.\"%s\" must be "
                                                     "a string, not %s",
                                                     cfg->path, key, json_kind(e));
                        if (!check_helper_name(json_string_value(e)))
                                return berth_err_set(err, BERTH_EINVALID,
                                                     "cannot read '%s': credHelpers.\"%s\" '%s' is "
                                                     "not a credential helper name",
                                                     cfg->path, key, json_string_value(e));
                }
                cfg->cred_helpers = v;
        }
        return 0;
}

static char *default_config_path(void)
{
        const char *dir = getenv("DOCKER_CONFIG"), *home;
        char *path = NULL;

        if (dir && *dir) {
                if (asprintf(&path, "%s/config.json", dir) < 0)
                        return NULL;
                return path;
        }
        home = getenv("HOME");
        if (!home || !*home)
                home = "/";
        if (asprintf(&path, "%s%s.docker/config.json", home,
                     home[strlen(home) - 1] == '/' ? "" : "/") < 0)
                return NULL;
        return path;
}

int docker_auth_config_load(struct docker_auth_config **out, const char *path,
                            struct berth_err *err)
{
        struct docker_auth_config *cfg;
        struct berth_buf b;
        json_error_t jerr;
        struct stat st;
        int r = 0;

        berth_err_clear(err);
        *out = NULL;
        berth_buf_init(&b, DOCKER_AUTH_CONFIG_MAX);
        cfg = calloc(1, sizeof(*cfg));
        if (!cfg || !(cfg->path = path ? strdup(path) : default_config_path())) {
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
                goto out;
        }
        if (stat(cfg->path, &st) < 0 && (errno == ENOENT || errno == ENOTDIR))
                goto out; /* no file: no credentials */
        r = berth_buf_read_file(&b, cfg->path, err);
        if (r < 0) {
                if (r == BERTH_EIO || r == BERTH_ETOOBIG)
                        berth_err_prefix(err, "cannot read docker config");
                goto out;
        }
        if (b.len == strspn(b.data, " \t\r\n"))
                goto out; /* empty, as docker reads it: no credentials */
        cfg->root = json_loadb(b.data, b.len, 0, &jerr);
        if (!cfg->root) {
                r = berth_err_set(err, BERTH_EINVALID, "cannot read '%s': line %d column %d: %s",
                                  cfg->path, jerr.line, jerr.column, jerr.text);
                if (err) {
                        err->line = jerr.line;
                        err->col = jerr.column;
                }
                goto out;
        }
        r = config_validate(cfg, err);
out:
        berth_buf_release(&b);
        if (r < 0 && cfg)
                berth_err_subject(err, "read docker config", cfg->path);
        if (r < 0)
                docker_auth_config_free(cfg);
        else
                *out = cfg;
        return r;
}

void docker_auth_config_free(struct docker_auth_config *cfg)
{
        if (!cfg)
                return;
        json_decref(cfg->root);
        free(cfg->path);
        free(cfg);
}

const char *docker_auth_config_path(const struct docker_auth_config *cfg)
{
        return cfg->path;
}

const char *docker_auth_config_helper(const struct docker_auth_config *cfg, const char *registry)
{
        const char *key;
        json_t *v = find_entry(cfg->cred_helpers, registry, &key);

        if (v && json_string_value(v)[0])
                return json_string_value(v);
        return cfg->creds_store;
}

int docker_auth_lookup(struct docker_auth *out, const struct docker_auth_config *cfg,
                       const char *registry, struct berth_err *err)
{
        const char *server = docker_auth_server_key(registry), *helper, *key = NULL;
        char *user = NULL, *pass = NULL;
        json_t *entry, *f;
        int r;

        berth_err_clear(err);
        docker_auth_release(out);
        helper = docker_auth_config_helper(cfg, registry);
        if (helper) {
                r = docker_auth_helper_get(out, helper, server, 0, err);
                if (r < 0) {
                        berth_err_prefix(err,
                                         "cannot get credentials for registry '%s' "
                                         "(helper named in '%s')",
                                         registry, cfg->path);
                        berth_err_subject(err, "get credentials for registry", registry);
                        return r;
                }
                if (!out->serveraddress && !(out->serveraddress = strdup(server)))
                        return berth_err_set(err, BERTH_ENOMEM, "out of memory");
                return 0;
        }
        entry = find_entry(cfg->auths, registry, &key);
        f = entry ? json_object_get(entry, "auth") : NULL;
        if (json_is_string(f) && json_string_value(f)[0]) {
                /* validated at load */
                r = decode_auth_field(&user, &pass, json_string_value(f), err);
                if (r < 0)
                        return r;
        }
        f = entry ? json_object_get(entry, "identitytoken") : NULL;
        r = docker_auth_set(out, user, pass,
                            json_is_string(f) && json_string_value(f)[0] ? json_string_value(f)
                                                                         : NULL,
                            server, err);
        free(user);
        if (pass) {
                OPENSSL_cleanse(pass, strlen(pass));
                free(pass);
        }
        return r;
}

/* ---- credential helpers ---- */

/* Find prog on PATH: 0 with buf filled, or -1. */
static int path_find(char *buf, size_t size, const char *prog)
{
        const char *path = getenv("PATH"), *p, *end;
        struct stat st;
        size_t n;

        if (!path || !*path)
                path = "/usr/local/bin:/usr/bin:/bin";
        for (p = path;; p = end + 1) {
                end = strchr(p, ':');
                n = end ? (size_t)(end - p) : strlen(p);
                if (snprintf(buf, size, "%.*s%s%s", (int)n, n ? p : ".", "/", prog) < (int)size &&
                    stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
                        return 0;
                if (!end)
                        return -1;
        }
}

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

/* Trimmed text of a helper's output, for messages. */
static const char *trim_text(char *s)
{
        size_t n;

        if (!s)
                return "";
        while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
                s++;
        n = strlen(s);
        while (n > 0 &&
               (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\t'))
                s[--n] = '\0';
        return s;
}

struct helper_run {
        const char *name; /* "docker-credential-x" */
        int status;       /* waitpid status */
        struct berth_buf out, errout;
};

/* Wait for pid until timeout_ms after start_ms (berth_mono_ms()); 0, or -1
 * on timeout. */
static int wait_child(pid_t pid, int *status, long start_ms, long timeout_ms)
{
        const struct timespec tick = {0, 10 * 1000 * 1000};
        pid_t w;

        for (;;) {
                w = waitpid(pid, status, WNOHANG);
                if (w == pid || (w < 0 && errno != EINTR))
                        return 0;
                if (berth_mono_ms() - start_ms >= timeout_ms)
                        return -1;
                nanosleep(&tick, NULL);
        }
}

static int helper_timeout(const struct helper_run *run, long timeout_ms, struct berth_err *err)
{
        return berth_err_set(err, BERTH_ETIMEOUT,
                             "credential helper '%s' did not answer within %ld ms", run->name,
                             timeout_ms);
}

/* Run exe get with input on stdin; fill run->out and run->errout. */
static int helper_exec(struct helper_run *run, const char *exe, const char *input, long timeout_ms,
                       struct berth_err *err)
{
        int in[2] = {-1, -1}, op[2] = {-1, -1}, ep[2] = {-1, -1}, xp[2] = {-1, -1};
        char *const argv[] = {(char *)exe, (char *)"get", NULL};
        int *const reads[2] = {&op[0], &ep[0]};
        struct berth_buf *const bufs[2] = {&run->out, &run->errout};
        int r = 0, exec_errno = 0, n_open, i, reaped = 0;
        size_t len = strlen(input);
        long start = berth_mono_ms();
        struct pollfd pfd[2];
        char chunk[4096];
        pid_t pid = -1;
        ssize_t n;

        if (len >= PIPE_BUF)
                return berth_err_set(err, BERTH_EINVALID, "server address too long for '%s'",
                                     run->name);
        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(op, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0 ||
            pipe2(xp, O_CLOEXEC) < 0) {
                r = berth_err_set(err, BERTH_EIO, "cannot run '%s': pipe: %s", run->name,
                                  strerror(errno));
                goto out;
        }
        /* The whole input fits in the pipe while we hold its read end, so
         * writing it before the fork can neither block nor raise SIGPIPE. */
        if (write(in[1], input, len) != (ssize_t)len) {
                r = berth_err_set(err, BERTH_EIO, "cannot run '%s': write: %s", run->name,
                                  strerror(errno));
                goto out;
        }
        close_fd(&in[1]);
        pid = fork();
        if (pid < 0) {
                r = berth_err_set(err, BERTH_EIO, "cannot run '%s': fork: %s", run->name,
                                  strerror(errno));
                goto out;
        }
        if (pid == 0) {
                /* Child: only async-signal-safe calls.  Move the ends above 2
                 * first so the dup2s below cannot clobber one another. */
                sigset_t none;
                int a = fcntl(in[0], F_DUPFD_CLOEXEC, 3), b = fcntl(op[1], F_DUPFD_CLOEXEC, 3),
                    c = fcntl(ep[1], F_DUPFD_CLOEXEC, 3);

                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                signal(SIGPIPE, SIG_DFL);
                if (a >= 0 && b >= 0 && c >= 0 && dup2(a, 0) == 0 && dup2(b, 1) == 1 &&
                    dup2(c, 2) == 2)
                        execv(exe, argv);
                exec_errno = errno;
                n = write(xp[1], &exec_errno, sizeof(exec_errno));
                (void)n;
                _exit(127);
        }
        close_fd(&in[0]);
        close_fd(&op[1]);
        close_fd(&ep[1]);
        close_fd(&xp[1]);
        for (;;) {
                long left = timeout_ms - (berth_mono_ms() - start);

                n_open = 0;
                for (i = 0; i < 2; i++) {
                        pfd[i].fd = *reads[i];
                        pfd[i].events = POLLIN;
                        pfd[i].revents = 0;
                        n_open += *reads[i] >= 0;
                }
                if (n_open == 0)
                        break;
                if (left <= 0) {
                        r = helper_timeout(run, timeout_ms, err);
                        goto out;
                }
                if (poll(pfd, 2, (int)(left > INT_MAX ? INT_MAX : left)) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = berth_err_set(err, BERTH_EIO, "cannot run '%s': poll: %s", run->name,
                                          strerror(errno));
                        goto out;
                }
                for (i = 0; i < 2; i++) {
                        if (pfd[i].fd < 0 || !pfd[i].revents)
                                continue;
                        n = read(pfd[i].fd, chunk, sizeof(chunk));
                        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (n <= 0) {
                                close_fd(reads[i]);
                                continue;
                        }
                        if (berth_buf_add(bufs[i], chunk, (size_t)n) < 0) {
                                r = berth_err_set(err, BERTH_ETOOBIG,
                                                  "credential helper '%s' wrote more than %lu "
                                                  "bytes",
                                                  run->name, DOCKER_AUTH_HELPER_MAX_OUTPUT);
                                goto out;
                        }
                }
        }
        if (wait_child(pid, &run->status, start, timeout_ms) < 0) {
                r = helper_timeout(run, timeout_ms, err);
                goto out;
        }
        reaped = 1;
        while ((n = read(xp[0], &exec_errno, sizeof(exec_errno))) < 0 && errno == EINTR)
                ;
        if (n == (ssize_t)sizeof(exec_errno))
                r = berth_err_set(err, BERTH_EIO, "cannot run '%s': %s", exe, strerror(exec_errno));
out:
        if (pid > 0 && !reaped) {
                kill(pid, SIGKILL);
                while (waitpid(pid, &run->status, 0) < 0 && errno == EINTR)
                        ;
        }
        for (i = 0; i < 2; i++) {
                close_fd(&in[i]);
                close_fd(&op[i]);
                close_fd(&ep[i]);
                close_fd(&xp[i]);
        }
        return r;
}

static const char *json_str(const json_t *obj, const char *key)
{
        const json_t *v = json_object_get(obj, key);

        return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Fill out from a helper's JSON answer. */
static int helper_answer(struct docker_auth *out, struct helper_run *run, const char *server,
                         struct berth_err *err)
{
        const char *user, *secret, *url;
        json_error_t jerr;
        json_t *obj;
        int r;

        obj = json_loadb(run->out.data ? run->out.data : "", run->out.len, 0, &jerr);
        if (!obj || !json_is_object(obj)) {
                r = berth_err_set(err, BERTH_EIO,
                                  "credential helper '%s' gave an answer that is not a JSON "
                                  "object: %s",
                                  run->name, obj ? json_kind(obj) : jerr.text);
                goto out;
        }
        user = json_str(obj, "Username");
        secret = json_str(obj, "Secret");
        url = json_str(obj, "ServerURL");
        if (!url || !*url)
                url = server;
        if (user && strcmp(user, "<token>") == 0)
                r = docker_auth_set(out, NULL, NULL, secret, url, err);
        else if (user && *user)
                r = docker_auth_set(out, user, secret, NULL, url, err);
        else
                r = docker_auth_set(out, NULL, NULL, NULL, url, err);
out:
        json_decref(obj);
        return r;
}

int docker_auth_helper_get(struct docker_auth *out, const char *helper, const char *server,
                           long timeout_ms, struct berth_err *err)
{
        char name[256], exe[4096];
        struct helper_run run;
        const char *text;
        int r;

        berth_err_clear(err);
        docker_auth_release(out);
        memset(&run, 0, sizeof(run));
        run.name = name;
        berth_buf_init(&run.out, DOCKER_AUTH_HELPER_MAX_OUTPUT);
        berth_buf_init(&run.errout, DOCKER_AUTH_HELPER_MAX_OUTPUT);
        if (timeout_ms <= 0)
                timeout_ms = DOCKER_AUTH_HELPER_TIMEOUT_MS;
        if (!check_helper_name(helper)) {
                r = berth_err_set(err, BERTH_EINVALID, "'%s' is not a credential helper name",
                                  helper);
                goto out;
        }
        snprintf(name, sizeof(name), HELPER_PREFIX "%s", helper);
        if (path_find(exe, sizeof(exe), name) < 0) {
                r = berth_err_set(err, BERTH_EIO,
                                  "credential helper '%s' is not installed (not found on PATH)",
                                  name);
                goto out;
        }
        r = helper_exec(&run, exe, server, timeout_ms, err);
        if (r < 0)
                goto out;
        if (WIFSIGNALED(run.status)) {
                r = berth_err_set(err, BERTH_EIO, "credential helper '%s' was killed by signal %d",
                                  name, WTERMSIG(run.status));
                goto out;
        }
        if (WEXITSTATUS(run.status) != 0) {
                text = trim_text(run.out.data);
                if (!*text)
                        text = trim_text(run.errout.data);
                if (strcasestr(text, "credentials not found")) {
                        r = docker_auth_set(out, NULL, NULL, NULL, server, err);
                        goto out;
                }
                r = berth_err_set(err, BERTH_EIO,
                                  "credential helper '%s' failed (exit status %d)%s%s", name,
                                  WEXITSTATUS(run.status), *text ? ": " : "", text);
                goto out;
        }
        r = helper_answer(out, &run, server, err);
out:
        if (run.out.data)
                OPENSSL_cleanse(run.out.data, run.out.len);
        berth_buf_release(&run.out);
        berth_buf_release(&run.errout);
        return r;
}

/* ---- engine ---- */

int docker_registry_error_kind(const char *msg)
{
        static const char *const auth[] = {"no basic auth credentials",
                                           "unauthorized",
                                           "authentication required",
                                           "401",
                                           "denied",
                                           "incorrect username or password"};
        static const char *const unreachable[] = {
            "connection refused",           "no such host",     "i/o timeout", "dial tcp",
            "network is unreachable",       "connection reset", "x509:",       "tls:",
            "http response to https client"};
        static const char *const notfound[] = {"manifest unknown", "not found", "name unknown",
                                               "no such image", "does not exist"};
        size_t i;

        if (!msg || !*msg)
                return 0;
        for (i = 0; i < sizeof(auth) / sizeof(auth[0]); i++)
                if (strcasestr(msg, auth[i]))
                        return BERTH_EAUTH;
        for (i = 0; i < sizeof(unreachable) / sizeof(unreachable[0]); i++)
                if (strcasestr(msg, unreachable[i]))
                        return BERTH_ESERVER;
        for (i = 0; i < sizeof(notfound) / sizeof(notfound[0]); i++)
                if (strcasestr(msg, notfound[i]))
                        return BERTH_ENOTFOUND;
        return 0;
}

void docker_login_result_release(struct docker_login_result *res)
{
        if (!res)
                return;
        free(res->status);
        if (res->identitytoken)
                OPENSSL_cleanse(res->identitytoken, strlen(res->identitytoken));
        free(res->identitytoken);
        res->status = NULL;
        res->identitytoken = NULL;
}

int docker_registry_login(struct docker_login_result *out, struct docker_client *c,
                          const struct docker_auth *a, struct berth_err *err)
{
        const char *server = a->serveraddress ? a->serveraddress : DOCKER_HUB_AUTH_KEY, *s;
        const char *who = a->username ? a->username : "(identity token)";
        struct docker_request req = {0};
        char host[256], engine_msg[sizeof(err->engine_msg)];
        json_t *body = NULL, *resp = NULL;
        int r;

        berth_err_clear(err);
        if (out)
                memset(out, 0, sizeof(*out));
        docker_auth_key_host(host, sizeof(host), server);
        body = json_object();
        if (!body || json_object_set_new(body, "serveraddress", json_string(server)) < 0 ||
            (a->username && json_object_set_new(body, "username", json_string(a->username)) < 0) ||
            (a->password && json_object_set_new(body, "password", json_string(a->password)) < 0) ||
            (a->identitytoken &&
             json_object_set_new(body, "identitytoken", json_string(a->identitytoken)) < 0)) {
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
                goto out;
        }
        req.method = "POST";
        req.path = "/auth";
        req.json = body;
        req.op = "log in to registry";
        req.object = host;
        r = docker_call_json(c, &req, &resp, err);
        if (r < 0) {
                if (!err || !err->engine_msg[0])
                        goto out;
                memcpy(engine_msg, err->engine_msg, sizeof(engine_msg));
                switch (docker_registry_error_kind(engine_msg)) {
                case BERTH_EAUTH:
                        r = berth_err_set(err, BERTH_EAUTH,
                                          "cannot log in to registry '%s' as '%s': the registry "
                                          "rejected the credentials (engine said: %s)",
                                          host, who, engine_msg);
                        break;
                case BERTH_ESERVER:
                        r = berth_err_set(err, BERTH_ESERVER,
                                          "cannot log in to registry '%s': the engine cannot "
                                          "reach it (engine said: %s)",
                                          host, engine_msg);
                        break;
                }
                goto out;
        }
        if (out) {
                s = json_str(resp, "Status");
                if (s && !(out->status = strdup(s))) {
                        r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
                        goto out;
                }
                s = json_str(resp, "IdentityToken");
                if (s && *s && !(out->identitytoken = strdup(s))) {
                        r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
                        goto out;
                }
        }
out:
        json_decref(body);
        json_decref(resp);
        if (r < 0)
                berth_err_subject(err, "log in to registry", host);
        return r;
}
