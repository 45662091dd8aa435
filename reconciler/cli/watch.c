/* berth watch: the daemon (the loop is watch/watch.c). */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/labels.h"
#include "watch/watch.h"

static const char watch_usage[] =
    "usage: berth watch [-f PATH] [--scope S] [--debounce MS] [--resync SECONDS]\n"
    "                   [--parallel N] [--log-format text|json] [--policy FILE]\n"
    "                   [--insecure-manifests]\n"
    "\n"
    "Keep the engine matching the manifests: apply now, then again whenever a\n"
    "manifest changes (after the debounce), a container of the scope dies or is\n"
    "removed by someone else, the engine comes back, every resync period, and on\n"
    "SIGHUP.  SIGINT/SIGTERM: finish the running operations, exit 0.\n"
    "\n"
    "  -f, --file PATH       manifest root (default ./manifests)\n"
    "      --scope S         the berth instance whose objects these are (default default)\n"
    "      --debounce MS     wait this long after the last manifest change (default 500)\n"
    "      --resync SECONDS  full reconcile this often (default 300)\n"
    "      --parallel N      operations at once (default 4)\n"
    "      --log-format FMT  text (default) or json: one object per line\n" CLI_TRUST_USAGE
    "The policy file is read once, at the start: restart watch to change it.\n";

static int number(long *out, const char *s, long min, long max)
{
        char *end;
        long v = strtol(s, &end, 10);

        if (!*s || *end || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

int cli_daemon_option(struct watch_options *o, int opt, const char *arg, const char *cmd)
{
        long v;

        switch (opt) {
        case 's':
                o->scope = arg;
                return 1;
        case 'd':
                if (number(&o->debounce_ms, arg, 1, 600000) == 0)
                        return 1;
                fprintf(stderr, "%s: --debounce is milliseconds from 1 to 600000, not '%s'\n", cmd,
                        arg);
                return -1;
        case 'r':
                if (number(&o->resync_s, arg, 1, 86400 * 7) == 0)
                        return 1;
                fprintf(stderr, "%s: --resync is seconds from 1 to 604800, not '%s'\n", cmd, arg);
                return -1;
        case 'P':
                if (number(&v, arg, 1, 64) == 0) {
                        o->parallel = (int)v;
                        return 1;
                }
                fprintf(stderr, "%s: --parallel is a number from 1 to 64, not '%s'\n", cmd, arg);
                return -1;
        case 'l':
                if (!strcmp(arg, "text") || !strcmp(arg, "json")) {
                        o->log_json = !strcmp(arg, "json");
                        return 1;
                }
                fprintf(stderr, "%s: --log-format is text or json, not '%s'\n", cmd, arg);
                return -1;
        default:
                return 0;
        }
}

int cli_daemon_check(const struct watch_options *o, const char *cmd)
{
        if (cli_scope_valid(o->scope))
                return 0;
        fprintf(stderr,
                "%s: --scope '%s' is not a scope name: use 1 to 63 letters, digits, '_', '.' "
                "or '-', starting with a letter or digit\n",
                cmd, o->scope);
        return -1;
}

int cmd_watch(int argc, char **argv, const struct cli_global *g)
{
        static const struct option opts[] = {{"file", required_argument, NULL, 'f'},
                                             CLI_DAEMON_OPTIONS,
                                             {"help", no_argument, NULL, 'h'},
                                             CLI_TRUST_OPTIONS,
                                             {0, 0, 0, 0}};
        char prog[] = "berth watch";
        struct watch_options o = {.scope = BERTH_DEFAULT_SCOPE};
        struct cli_trust trust = {0};
        struct berth_err err;
        int opt, r, rc;

        o.host = g->host;
        argv[0] = prog;
        optind = 1;
        while ((opt = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
                if ((r = cli_daemon_option(&o, opt, optarg, prog)) < 0)
                        return CLI_EXIT_USAGE;
                if (r)
                        continue;
                switch (opt) {
                case 'f':
                        o.root = optarg;
                        break;
                case 'h':
                        fputs(watch_usage, stdout);
                        return CLI_EXIT_OK;
                case CLI_OPT_POLICY:
                case CLI_OPT_INSECURE:
                        cli_trust_option(&trust, opt, optarg);
                        break;
                default:
                        fputs(watch_usage, stderr);
                        return CLI_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "berth watch: unexpected argument '%s'\n", argv[optind]);
                return CLI_EXIT_USAGE;
        }
        if (cli_daemon_check(&o, prog) < 0)
                return CLI_EXIT_USAGE;
        if (cli_policy_load(&trust) < 0)
                return CLI_EXIT_USAGE;
        o.policy = trust.policy;
        o.insecure_manifests = trust.insecure;
        berth_err_clear(&err);
        rc = CLI_EXIT_OK;
        if (watch_run(&o, &err) < 0) {
                cli_report(&err);
                rc = CLI_EXIT_FAIL;
        }
        cli_trust_release(&trust);
        return rc;
}
