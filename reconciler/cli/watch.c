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

int cmd_watch(int argc, char **argv, const struct cli_global *g)
{
        static const struct option opts[] = {{"file", required_argument, NULL, 'f'},
                                             {"scope", required_argument, NULL, 's'},
                                             {"debounce", required_argument, NULL, 'd'},
                                             {"resync", required_argument, NULL, 'r'},
                                             {"parallel", required_argument, NULL, 'P'},
                                             {"log-format", required_argument, NULL, 'l'},
                                             {"help", no_argument, NULL, 'h'},
                                             CLI_TRUST_OPTIONS,
                                             {0, 0, 0, 0}};
        char prog[] = "berth watch";
        struct watch_options o = {.scope = BERTH_DEFAULT_SCOPE};
        struct cli_trust trust = {0};
        struct berth_err err;
        long v;
        int opt, rc;

        o.host = g->host;
        argv[0] = prog;
        optind = 1;
        while ((opt = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
                switch (opt) {
                case 'f':
                        o.root = optarg;
                        break;
                case 's':
                        o.scope = optarg;
                        break;
                case 'd':
                        if (number(&o.debounce_ms, optarg, 1, 600000) < 0) {
                                fprintf(stderr,
                                        "berth watch: --debounce is milliseconds from 1 "
                                        "to 600000, not '%s'\n",
                                        optarg);
                                return CLI_EXIT_USAGE;
                        }
                        break;
                case 'r':
                        if (number(&o.resync_s, optarg, 1, 86400 * 7) < 0) {
                                fprintf(stderr,
                                        "berth watch: --resync is seconds from 1 to "
                                        "604800, not '%s'\n",
                                        optarg);
                                return CLI_EXIT_USAGE;
                        }
                        break;
                case 'P':
                        if (number(&v, optarg, 1, 64) < 0) {
                                fprintf(stderr,
                                        "berth watch: --parallel is a number from 1 to 64, not "
                                        "'%s'\n",
                                        optarg);
                                return CLI_EXIT_USAGE;
                        }
                        o.parallel = (int)v;
                        break;
                case 'l':
                        if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
                                fprintf(stderr,
                                        "berth watch: --log-format is text or json, not '%s'\n",
                                        optarg);
                                return CLI_EXIT_USAGE;
                        }
                        o.log_json = !strcmp(optarg, "json");
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
        if (!cli_scope_valid(o.scope)) {
                fprintf(stderr,
                        "berth watch: --scope '%s' is not a scope name: use 1 to 63 letters, "
                        "digits, '_', '.' or '-', starting with a letter or digit\n",
                        o.scope);
                return CLI_EXIT_USAGE;
        }
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
