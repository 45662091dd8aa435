#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "docker/client.h"
#include "docker/system.h"

static const char version_usage[] =
    "usage: berth version [-H HOST]\n"
    "\n"
    "Print berth's version and the Docker engine's version and API version.\n"
    "Exits 1 when the engine cannot be reached.\n";

int cmd_version(int argc, char **argv, const struct cli_global *g)
{
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
        struct docker_client *c = NULL;
        struct docker_version v;
        struct berth_err err;
        char where[300];
        int opt, rc = CLI_EXIT_FAIL;

        berth_err_clear(&err);
        optind = 1;
        while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                if (opt == 'h') {
                        fputs(version_usage, stdout);
                        return CLI_EXIT_OK;
                }
                fputs(version_usage, stderr);
                return CLI_EXIT_USAGE;
        }
        if (optind < argc) {
                fprintf(stderr, "berth version: unexpected argument '%s'\n", argv[optind]);
                return CLI_EXIT_USAGE;
        }
        printf("berth %s\n", BERTH_VERSION);
        fflush(stdout);
        if (docker_client_from_env(&c, g->host, &err) < 0 ||
            docker_system_version(c, &v, &err) < 0) {
                cli_report(&err);
                goto out;
        }
        printf("engine %s (API %s, berth speaks %s) at %s\n", v.version, v.api_version,
               docker_client_api_version(c),
               docker_host_describe(docker_client_host(c), where, sizeof(where)));
        rc = CLI_EXIT_OK;
out:
        docker_client_free(c);
        return rc;
}
