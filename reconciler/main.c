/* main.c - the command line: global options, then a table of commands. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct cli_command commands[] = {
    {"plan", cmd_plan, "show what apply would change (changes nothing)"},
    {"apply", cmd_apply, "make the engine match the manifests"},
    {"watch", cmd_watch, "keep the engine matching the manifests (a daemon)"},
    {"sync", cmd_sync, "follow a git repository: fetch, check out, keep the engine matching it"},
    {"status", cmd_status, "replicas, health, revision and drift per service"},
    {"down", cmd_down, "remove the scope's (or a project's) containers and networks"},
    {"validate", cmd_validate, "check the manifests and print every problem"},
    {"config", cmd_config, "print the resolved, normalized desired state"},
    {"schema", cmd_schema, "print the JSON Schema of manifests"},
    {"version", cmd_version, "print berth's and the engine's versions"},
};

static void usage(FILE *to)
{
        size_t i;

        fputs("usage: berth [-H HOST] <command> [options]\n\ncommands:\n", to);
        for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                fprintf(to, "  %-10s %s\n", commands[i].name, commands[i].summary);
        fputs("\nglobal options:\n"
              "  -H HOST    Docker engine (unix:///path or tcp://host:port); default $DOCKER_HOST\n"
              "\n'berth <command> --help' describes a command.\n",
              to);
}

int main(int argc, char **argv)
{
        struct cli_global g = {0};
        int i = 1;
        size_t k;

        while (i < argc && argv[i][0] == '-') {
                if (!strcmp(argv[i], "-H") && i + 1 < argc) {
                        g.host = argv[i + 1];
                        i += 2;
                } else if (!strncmp(argv[i], "--host=", 7)) {
                        g.host = argv[i] + 7;
                        i++;
                } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
                        usage(stdout);
                        return CLI_EXIT_OK;
                } else if (!strcmp(argv[i], "--version")) {
                        printf("berth %s\n", BERTH_VERSION);
                        return CLI_EXIT_OK;
                } else {
                        fprintf(stderr, "berth: unknown option '%s'\n", argv[i]);
                        usage(stderr);
                        return CLI_EXIT_USAGE;
                }
        }
        if (i >= argc) {
                usage(stderr);
                return CLI_EXIT_USAGE;
        }
        for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
                if (!strcmp(argv[i], commands[k].name))
                        return commands[k].run(argc - i, argv + i, &g);
        fprintf(stderr, "berth: '%s' is not a berth command; see 'berth --help'\n", argv[i]);
        return CLI_EXIT_USAGE;
}
