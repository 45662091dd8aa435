/* berth validate, berth config, berth schema: the input stage on its own. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/yamlout.h"
#include "manifest/load.h"
#include "model/model.h"
#include "schema/schema.h"

size_t cli_print_diags(const struct manifest_set *set)
{
        char line[4096];
        size_t i;

        for (i = 0; i < set->diags.n; i++)
                fprintf(stderr, "%s\n", diag_format(&set->diags.v[i], line, sizeof(line)));
        return diag_list_errors(&set->diags);
}

int cli_load(struct manifest_set *set, const char *root, struct cli_trust *t)
{
        struct manifest_load_opts opts = {.root = root ? root : MANIFEST_DEFAULT_ROOT};
        struct berth_err err;
        char buf[2048];

        if (cli_policy_load(t) < 0)
                return CLI_LOAD_BAD_POLICY;
        opts.policy = t->policy;
        opts.insecure = t->insecure;
        berth_err_clear(&err);
        if (manifest_load(set, &opts, &err) < 0) {
                if (err.code == BERTH_ENOTFOUND && !root)
                        fprintf(stderr,
                                "berth: %s: run berth where the manifests/ directory is, or name "
                                "the manifest root with -f PATH\n",
                                berth_err_format(&err, buf, sizeof(buf)));
                else
                        cli_report(&err);
                manifest_set_release(set); /* manifest_load() wants it either way */
                return -1;
        }
        return 0;
}

static const char *plural(size_t n, const char *one, const char *many)
{
        return n == 1 ? one : many;
}

static const char validate_usage[] =
    "usage: berth validate [-f PATH] [--policy FILE] [--insecure-manifests]\n"
    "\n"
    "Check every manifest under PATH (a directory or one file; default ./manifests)\n"
    "and print all problems as file:line:col: key: message, the powers the policy\n"
    "refuses included.  Needs no engine.  Exits 1 when there is an error; warnings\n"
    "alone exit 0; 64 when the policy file cannot be used.\n"
    "\n"
    "  -f, --file PATH        manifest root\n" CLI_TRUST_USAGE;

int cmd_validate(int argc, char **argv, const struct cli_global *g)
{
        static const struct option opts[] = {{"file", required_argument, NULL, 'f'},
                                             {"help", no_argument, NULL, 'h'},
                                             CLI_TRUST_OPTIONS,
                                             {0, 0, 0, 0}};
        char prog[] = "berth validate"; /* getopt names argv[0] in its messages */
        const char *root = NULL;
        struct cli_trust trust = {0};
        struct manifest_set set;
        size_t i, services = 0, networks = 0, volumes = 0, errors, warnings;
        int opt, r;

        (void)g;
        argv[0] = prog;
        optind = 1;
        while ((opt = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
                switch (opt) {
                case 'f':
                        root = optarg;
                        break;
                case 'h':
                        fputs(validate_usage, stdout);
                        return CLI_EXIT_OK;
                case CLI_OPT_POLICY:
                case CLI_OPT_INSECURE:
                        cli_trust_option(&trust, opt, optarg);
                        break;
                default:
                        fputs(validate_usage, stderr);
                        return CLI_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "berth validate: unexpected argument '%s'\n", argv[optind]);
                return CLI_EXIT_USAGE;
        }
        r = cli_load(&set, root, &trust);
        cli_trust_release(&trust);
        if (r < 0)
                return CLI_LOAD_EXIT(r);
        if (!root)
                root = MANIFEST_DEFAULT_ROOT;
        errors = cli_print_diags(&set);
        warnings = set.diags.n - errors;
        if (errors) {
                fprintf(stderr, "%s: %zu %s, %zu %s in %zu of %zu %s\n", root, errors,
                        plural(errors, "error", "errors"), warnings,
                        plural(warnings, "warning", "warnings"), set.nfailed, set.nfiles,
                        plural(set.nfiles, "file", "files"));
                manifest_set_release(&set);
                return CLI_EXIT_FAIL;
        }
        for (i = 0; i < set.state->nprojects; i++) {
                services += set.state->projects[i].nservices;
                networks += set.state->projects[i].nnetworks;
                volumes += set.state->projects[i].nvolumes;
        }
        printf("%s: %zu %s, %zu %s, %zu %s, %zu %s", root, set.state->nprojects,
               plural(set.state->nprojects, "project", "projects"), services,
               plural(services, "service", "services"), networks,
               plural(networks, "network", "networks"), volumes,
               plural(volumes, "volume", "volumes"));
        if (warnings)
                printf(" (%zu %s)", warnings, plural(warnings, "warning", "warnings"));
        printf("\n");
        manifest_set_release(&set);
        return CLI_EXIT_OK;
}

/* The YAML form of `berth config` is a manifest in its own right: berth
 * (and compose) interpolate it again when it is read, so every '$' of a
 * resolved value is written as '$$', as `docker-compose config` does.
 * Keys are not interpolated and stay as they are.  0, or -1 on ENOMEM. */
static int escape_dollars(json_t *v)
{
        const char *key, *s;
        json_t *item;
        size_t i, n;
        char *buf, *o;
        int r;

        if (json_is_object(v)) {
                json_object_foreach(v, key, item)
                {
                        if (escape_dollars(item) < 0)
                                return -1;
                }
                return 0;
        }
        if (json_is_array(v)) {
                json_array_foreach(v, i, item)
                {
                        if (escape_dollars(item) < 0)
                                return -1;
                }
                return 0;
        }
        if (!json_is_string(v) || !strchr(json_string_value(v), '$'))
                return 0;
        for (n = 0, s = json_string_value(v); *s; s++)
                n += *s == '$' ? 2 : 1;
        buf = malloc(n + 1);
        if (!buf)
                return -1;
        for (o = buf, s = json_string_value(v); *s; s++) {
                if (*s == '$')
                        *o++ = '$';
                *o++ = *s;
        }
        *o = '\0';
        r = json_string_set(v, buf);
        free(buf);
        return r < 0 ? -1 : 0;
}

static const char config_usage[] =
    "usage: berth config [-f PATH] [--output yaml|json] [--show-sensitive]\n"
    "                    [--policy FILE] [--insecure-manifests]\n"
    "\n"
    "Print the resolved, normalized desired state: variables interpolated, anchors\n"
    "and merge keys applied, env files read, every value in its long form.\n"
    "Values of secret-looking names, and values holding a secret, print as\n"
    "(sensitive).  The YAML output is a manifest itself: a '$' in a value is\n"
    "written '$$', as interpolation wants.\n"
    "\n"
    "  -f, --file PATH     manifest root (default ./manifests)\n"
    "  -o, --output FMT    yaml (default; one document per project) or json\n"
    "      --show-sensitive  print sensitive values as they are\n" CLI_TRUST_USAGE;

int cmd_config(int argc, char **argv, const struct cli_global *g)
{
        static const struct option opts[] = {{"file", required_argument, NULL, 'f'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"show-sensitive", no_argument, NULL, 's'},
                                             {"help", no_argument, NULL, 'h'},
                                             CLI_TRUST_OPTIONS,
                                             {0, 0, 0, 0}};
        char prog[] = "berth config"; /* getopt names argv[0] in its messages */
        const char *root = NULL, *output = "yaml";
        struct cli_trust trust = {0};
        struct manifest_set set;
        struct berth_err err;
        json_t *all = NULL, *p;
        int opt, show = 0, rc = CLI_EXIT_FAIL;
        size_t i;

        (void)g;
        argv[0] = prog;
        optind = 1;
        while ((opt = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
                switch (opt) {
                case 'f':
                        root = optarg;
                        break;
                case 'o':
                        output = optarg;
                        break;
                case 's':
                        show = 1;
                        break;
                case 'h':
                        fputs(config_usage, stdout);
                        return CLI_EXIT_OK;
                case CLI_OPT_POLICY:
                case CLI_OPT_INSECURE:
                        cli_trust_option(&trust, opt, optarg);
                        break;
                default:
                        fputs(config_usage, stderr);
                        return CLI_EXIT_USAGE;
                }
        }
        if (strcmp(output, "yaml") && strcmp(output, "json")) {
                fprintf(stderr, "berth config: --output must be yaml or json, not '%s'\n", output);
                return CLI_EXIT_USAGE;
        }
        if (optind < argc) {
                fprintf(stderr, "berth config: unexpected argument '%s'\n", argv[optind]);
                return CLI_EXIT_USAGE;
        }
        rc = cli_load(&set, root, &trust);
        cli_trust_release(&trust);
        if (rc < 0)
                return CLI_LOAD_EXIT(rc);
        rc = CLI_EXIT_FAIL;
        if (cli_print_diags(&set))
                goto out;
        berth_err_clear(&err);
        if (!strcmp(output, "json")) {
                all = json_object();
                for (i = 0; all && i < set.state->nprojects; i++)
                        json_object_set_new(all, set.state->projects[i].name,
                                            model_project_config(&set.state->projects[i], show));
                p = json_pack("{s:o}", "projects", all);
                if (!p || json_dumpf(p, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
                        json_decref(p);
                        fprintf(stderr, "berth: cannot write the configuration\n");
                        goto out;
                }
                json_decref(p);
                printf("\n");
        } else {
                for (i = 0; i < set.state->nprojects; i++) {
                        p = model_project_config(&set.state->projects[i], show);
                        if (!p || escape_dollars(p) < 0) {
                                json_decref(p);
                                fprintf(stderr,
                                        "berth: out of memory rendering the configuration\n");
                                goto out;
                        }
                        if (yamlout_write(stdout, p, set.state->nprojects > 1, &err) < 0) {
                                json_decref(p);
                                cli_report(&err);
                                goto out;
                        }
                        json_decref(p);
                }
        }
        rc = CLI_EXIT_OK;
out:
        manifest_set_release(&set);
        return rc;
}

static const char schema_usage[] =
    "usage: berth schema\n"
    "\n"
    "Print the JSON Schema of berth manifests (for editors: see README).\n";

int cmd_schema(int argc, char **argv, const struct cli_global *g)
{
        (void)g;
        if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
                fputs(schema_usage, stdout);
                return CLI_EXIT_OK;
        }
        if (argc > 1) {
                fputs(schema_usage, stderr);
                return CLI_EXIT_USAGE;
        }
        fwrite(berth_manifest_schema, 1, berth_manifest_schema_len, stdout);
        return CLI_EXIT_OK;
}
