/* berth sync: follow a git repository (the work is sync/sync.c). */
#include "cli/cli.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/labels.h"
#include "manifest/units.h"
#include "sync/sync.h"

static const char sync_usage[] =
    "usage: berth sync --repo URL [--ref REF] [--path DIR] [--interval DURATION]\n"
    "                  [--cache DIR] [--listen ADDR:PORT [--webhook-secret-file FILE]]\n"
    "                  [--scope S] [--debounce MS] [--resync SECONDS] [--parallel N]\n"
    "                  [--log-format text|json]\n"
    "\n"
    "Follow a git repository: fetch REF every interval (or when the webhook asks),\n"
    "check each new commit out and keep the engine matching its manifests, as\n"
    "berth watch does for a directory.  A commit whose manifests do not load\n"
    "leaves their projects on the last good commit.  SIGINT/SIGTERM: finish the\n"
    "running operations, exit 0.\n"
    "\n"
    "      --repo URL                  the repository, as git clone takes it\n"
    "      --ref REF                   branch or tag (default: the remote's HEAD)\n"
    "      --path DIR                  manifest directory in the repository (default: top)\n"
    "      --interval DURATION         fetch this often: 60s, 5m, 1h (default 60s)\n"
    "      --cache DIR                 clone and work trees (default\n"
    "                                  /var/lib/berth/sync/SCOPE for root)\n"
    "      --listen ADDR:PORT          serve /hooks/git, /healthz, /status, /metrics\n"
    "      --webhook-secret-file FILE  the webhook's HMAC-SHA256 secret\n"
    "      --scope S                   the berth instance whose objects these are\n"
    "      --debounce MS, --resync SECONDS, --parallel N, --log-format FMT\n"
    "                                  as for berth watch\n" CLI_TRUST_USAGE;

/* --interval: a duration (60s, 5m, 1h30m) or plain seconds. */
static int interval_parse(long *out, const char *s)
{
        struct berth_err err;
        int64_t ns;
        char *end;
        long v = strtol(s, &end, 10);

        if (*s && !*end)
                ns = (int64_t)v * 1000000000LL;
        else if (units_duration_parse(&ns, s, &err) < 0)
                return -1;
        if (ns < 1000000000LL || ns > 86400LL * 1000000000LL)
                return -1;
        *out = (long)(ns / 1000000000LL);
        return 0;
}

/* The secret: the file's content without its trailing newline. */
static int secret_read(struct berth_buf *b, const char *path)
{
        struct berth_err err;

        if (berth_buf_read_file(b, path, &err) < 0) {
                fprintf(stderr, "berth sync: cannot read the webhook secret: %s\n", err.msg);
                return -1;
        }
        while (b->len && (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == '\r'))
                b->data[--b->len] = '\0';
        if (!b->len) {
                fprintf(stderr, "berth sync: the webhook secret file '%s' is empty\n", path);
                return -1;
        }
        return 0;
}

int cmd_sync(int argc, char **argv, const struct cli_global *g)
{
        static const struct option opts[] = {{"repo", required_argument, NULL, 'R'},
                                             {"ref", required_argument, NULL, 'e'},
                                             {"path", required_argument, NULL, 'p'},
                                             {"interval", required_argument, NULL, 'i'},
                                             {"cache", required_argument, NULL, 'c'},
                                             {"listen", required_argument, NULL, 'L'},
                                             {"webhook-secret-file", required_argument, NULL, 'S'},
                                             CLI_DAEMON_OPTIONS,
                                             CLI_TRUST_OPTIONS,
                                             {"help", no_argument, NULL, 'h'},
                                             {0, 0, 0, 0}};
        char prog[] = "berth sync";
        struct sync_options o = {.watch = {.scope = BERTH_DEFAULT_SCOPE}};
        const char *secret_file = NULL;
        struct cli_trust trust = {0};
        struct berth_buf secret;
        struct berth_err err;
        int opt, r, rc = CLI_EXIT_USAGE;

        berth_buf_init(&secret, 4096);
        o.watch.host = g->host;
        argv[0] = prog;
        optind = 1;
        while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                if ((r = cli_daemon_option(&o.watch, opt, optarg, prog)) < 0)
                        goto out;
                if (r)
                        continue;
                switch (opt) {
                case 'R':
                        o.repo = optarg;
                        break;
                case 'e':
                        o.ref = optarg;
                        break;
                case 'p':
                        o.path = optarg;
                        break;
                case 'i':
                        if (interval_parse(&o.interval_s, optarg) < 0) {
                                fprintf(stderr,
                                        "berth sync: --interval is a duration from 1s to 24h "
                                        "(60s, 5m, 1h30m), not '%s'\n",
                                        optarg);
                                goto out;
                        }
                        break;
                case 'c':
                        o.cache = optarg;
                        break;
                case 'L':
                        o.listen = optarg;
                        break;
                case 'S':
                        secret_file = optarg;
                        break;
                case CLI_OPT_POLICY:
                case CLI_OPT_INSECURE:
                        cli_trust_option(&trust, opt, optarg);
                        break;
                case 'h':
                        fputs(sync_usage, stdout);
                        rc = CLI_EXIT_OK;
                        goto out;
                default:
                        fputs(sync_usage, stderr);
                        goto out;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "berth sync: unexpected argument '%s'\n", argv[optind]);
                goto out;
        }
        if (!o.repo || !*o.repo) {
                fprintf(stderr, "berth sync: --repo URL is required: the git repository to "
                                "follow\n");
                goto out;
        }
        if (o.path && (o.path[0] == '/' || strstr(o.path, ".."))) {
                fprintf(stderr,
                        "berth sync: --path '%s' must be a directory inside the repository, "
                        "relative and without '..'\n",
                        o.path);
                goto out;
        }
        if (secret_file && !o.listen) {
                fprintf(stderr, "berth sync: --webhook-secret-file needs --listen ADDR:PORT\n");
                goto out;
        }
        if (cli_daemon_check(&o.watch, prog) < 0 || cli_policy_load(&trust) < 0)
                goto out; /* CLI_EXIT_USAGE: a bad policy file stops it before anything */
        o.watch.policy = trust.policy;
        o.watch.insecure_manifests = trust.insecure;
        if (secret_file) {
                if (secret_read(&secret, secret_file) < 0) {
                        rc = CLI_EXIT_FAIL;
                        goto out;
                }
                o.secret = secret.data;
                o.secret_len = secret.len;
        }
        berth_err_clear(&err);
        rc = CLI_EXIT_OK;
        if (sync_run(&o, &err) < 0) {
                cli_report(&err);
                rc = CLI_EXIT_FAIL;
        }
out:
        cli_trust_release(&trust);
        if (secret.data)
                memset(secret.data, 0, secret.len);
        berth_buf_release(&secret);
        return rc;
}
