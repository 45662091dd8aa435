/* berth plan, apply, down, status: manifests and engine in, a plan (and
 * its run) out.  One pipeline for all four: load → observe → diff → plan;
 * `plan` is `apply --dry-run`, the same code up to the point of running. */
#include "cli/cli.h"

#include <ctype.h>
#include <getopt.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/labels.h"
#include "common/lock.h"
#include "common/stopsig.h"
#include "apply/apply.h"
#include "diff/diff.h"
#include "docker/client.h"
#include "exec/exec.h"
#include "manifest/load.h"
#include "model/model.h"
#include "observe/observe.h"
#include "plan/plan.h"
#include "plan/render.h"

enum cmd { CMD_PLAN, CMD_APPLY, CMD_DOWN, CMD_STATUS };

/* Which options each command takes. */
enum {
        O_FILE = 1 << 0,
        O_SCOPE = 1 << 1,
        O_PROJECT = 1 << 2,
        O_OUTPUT = 1 << 3,
        O_DETAILED = 1 << 4,
        O_ALLOW_EMPTY = 1 << 5,
        O_STATS = 1 << 6,
        O_DRY_RUN = 1 << 7,
        O_PARALLEL = 1 << 8,
        O_NO_WAIT = 1 << 9,
        O_YES = 1 << 10,
        O_VOLUMES = 1 << 11,
        O_TRUST = 1 << 12, /* --policy, --insecure-manifests */
};

struct args {
        const char *root;
        const char *scope;
        const char *project;
        int json;
        int detailed, allow_empty, stats, dry_run, no_wait, yes, volumes;
        int parallel;
        struct cli_trust trust;
};

struct rc {
        enum cmd cmd;
        struct args a;
        const struct cli_global *g;
        struct manifest_set set;
        int have_set;
        size_t nfailed; /* manifests that did not load, or 1 when the scan refused
                         * a directory (errors without a failed file) */
        struct docker_client *c;
        struct apply_result res; /* frozen, actual, diff, plan, revision */
        int lock_fd;
        struct plan_render_options ro;
};

static const char stop_message[] = "\nberth: stopping: running operations finish, no new ones "
                                   "start (signal again to abort)\n";

/* ---- options ------------------------------------------------------------ */

int cli_scope_valid(const char *s)
{
        size_t n = strlen(s), i;

        if (!n || n > 63 || !isalnum((unsigned char)s[0]))
                return 0;
        for (i = 0; i < n; i++)
                if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
                        return 0;
        return 1;
}

static int args_parse(struct args *a, int argc, char **argv, const char *name, unsigned allowed,
                      const char *usage)
{
        static const struct option opts[] = {
            {"file", required_argument, NULL, 'f'},
            {"scope", required_argument, NULL, 's'},
            {"project", required_argument, NULL, 'p'},
            {"output", required_argument, NULL, 'o'},
            {"detailed-exitcode", no_argument, NULL, 'D'},
            {"allow-empty", no_argument, NULL, 'E'},
            {"stats", no_argument, NULL, 'S'},
            {"dry-run", no_argument, NULL, 'n'},
            {"parallel", required_argument, NULL, 'P'},
            {"no-wait", no_argument, NULL, 'W'},
            {"yes", no_argument, NULL, 'y'},
            {"volumes", no_argument, NULL, 'v'},
            CLI_TRUST_OPTIONS, /* bits[] below follows this order */
            {"help", no_argument, NULL, 'h'},
            {0, 0, 0, 0},
        };
        static const struct {
                int opt;
                unsigned bit;
        } bits[] = {{'f', O_FILE},     {'s', O_SCOPE},       {'p', O_PROJECT}, {'o', O_OUTPUT},
                    {'D', O_DETAILED}, {'E', O_ALLOW_EMPTY}, {'S', O_STATS},   {'n', O_DRY_RUN},
                    {'P', O_PARALLEL}, {'W', O_NO_WAIT},     {'y', O_YES},     {'v', O_VOLUMES},
                    {CLI_OPT_POLICY, O_TRUST}, {CLI_OPT_INSECURE, O_TRUST}};
        char prog[64];
        char *end;
        size_t i;
        int opt;

        memset(a, 0, sizeof(*a));
        a->scope = BERTH_DEFAULT_SCOPE;
        snprintf(prog, sizeof(prog), "berth %s", name);
        argv[0] = prog; /* getopt names argv[0] in its messages */
        optind = 1;
        while ((opt = getopt_long(argc, argv, "f:o:p:yh", opts, NULL)) != -1) {
                if (opt == 'h') {
                        fputs(usage, stdout);
                        return 1;
                }
                for (i = 0; i < sizeof(bits) / sizeof(bits[0]) && bits[i].opt != opt; i++)
                        ;
                if (i == sizeof(bits) / sizeof(bits[0]) || !(allowed & bits[i].bit)) {
                        if (i < sizeof(bits) / sizeof(bits[0]))
                                fprintf(stderr, "%s: this command takes no %s option\n", prog,
                                        opts[i].name);
                        fputs(usage, stderr);
                        return -1;
                }
                switch (opt) {
                case 'f':
                        a->root = optarg;
                        break;
                case 's':
                        a->scope = optarg;
                        break;
                case 'p':
                        a->project = optarg;
                        break;
                case 'o':
                        if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
                                fprintf(stderr, "%s: --output is text or json, not '%s'\n", prog,
                                        optarg);
                                return -1;
                        }
                        a->json = !strcmp(optarg, "json");
                        break;
                case 'D':
                        a->detailed = 1;
                        break;
                case 'E':
                        a->allow_empty = 1;
                        break;
                case 'S':
                        a->stats = 1;
                        break;
                case 'n':
                        a->dry_run = 1;
                        break;
                case 'P':
                        a->parallel = (int)strtol(optarg, &end, 10);
                        if (*end || a->parallel < 1 || a->parallel > 64) {
                                fprintf(stderr,
                                        "%s: --parallel is a number from 1 to 64, not '%s'\n", prog,
                                        optarg);
                                return -1;
                        }
                        break;
                case 'W':
                        a->no_wait = 1;
                        break;
                case 'y':
                        a->yes = 1;
                        break;
                case 'v':
                        a->volumes = 1;
                        break;
                case CLI_OPT_POLICY:
                case CLI_OPT_INSECURE:
                        cli_trust_option(&a->trust, opt, optarg);
                        break;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
                return -1;
        }
        if (!cli_scope_valid(a->scope)) {
                fprintf(stderr,
                        "%s: --scope '%s' is not a scope name: use 1 to 63 letters, digits, '_', "
                        "'.' or '-', starting with a letter or digit\n",
                        prog, a->scope);
                return -1;
        }
        return 0;
}

/* ---- the pipeline ------------------------------------------------------- */

static void rc_release(struct rc *x)
{
        apply_result_release(&x->res);
        docker_client_free(x->c);
        berth_lock_release(x->lock_fd);
        if (x->have_set)
                manifest_set_release(&x->set);
        cli_trust_release(&x->a.trust);
}

/* Load the manifests; print their problems.  cli_load()'s failure when the
 * root could not be read at all or the policy could not be used. */
static int load(struct rc *x)
{
        int r = cli_load(&x->set, x->a.root, &x->a.trust);

        if (r < 0)
                return r;
        x->have_set = 1;
        cli_print_diags(&x->set);
        x->nfailed = x->set.nfailed;
        if (!x->nfailed && diag_list_errors(&x->set.diags)) {
                x->nfailed = 1;
                fprintf(stderr, "berth: the manifests were not all read: projects not read are "
                                "left exactly as they are (fix the errors above)\n");
        } else if (x->set.nfailed)
                fprintf(
                    stderr,
                    "berth: %zu %s did not load: %s left exactly as %s (fix the errors above)\n",
                    x->set.nfailed, x->set.nfailed == 1 ? "manifest" : "manifests",
                    x->set.nfailed == 1 ? "its project is" : "their projects are",
                    x->set.nfailed == 1 ? "it is" : "they are");
        return 0;
}

static void lock_waiting(void *userdata, pid_t pid)
{
        fprintf(stderr,
                "berth: scope '%s' is locked by another berth (pid %ld): waiting for it "
                "(--no-wait to exit instead)\n",
                (const char *)userdata, (long)pid);
}

/* Connect, and lock when something may change (each unless done). */
static int engine(struct rc *x, int locking)
{
        struct berth_err err;

        berth_err_clear(&err);
        if ((!x->c && docker_client_from_env(&x->c, x->g->host, &err) < 0) ||
            docker_client_negotiate(x->c, &err) < 0 ||
            (locking && x->lock_fd < 0 &&
             berth_lock_scope(&x->lock_fd, x->a.scope, !x->a.no_wait, lock_waiting,
                              (void *)x->a.scope, &err) < 0)) {
                cli_report(&err);
                return -1;
        }
        return 0;
}

/* Load the manifests (when the command reads them), connect, lock the
 * scope when locking, and observe it into x->res.actual.  0, or the exit
 * code to leave with.
 *
 * The observation runs on a thread of its own while the manifests load
 * (apply_observe_start()): at 500 services each is tens of milliseconds.
 * It needs the lock first, so that nothing changes the scope between
 * what is observed and what is run; when another berth holds the lock,
 * or the engine's address is wrong, the steps run one after the other as
 * they always did: the manifests' problems, then the engine's, then the
 * wait for the lock. */
static int prepare(struct rc *x, int loading, int locking)
{
        struct apply_observation obs;
        struct berth_err err;
        int started = 0, r;

        berth_err_clear(&err);
        if (loading && docker_client_from_env(&x->c, x->g->host, &err) == 0 &&
            (!locking || berth_lock_scope(&x->lock_fd, x->a.scope, false, NULL, NULL, &err) == 0)) {
                apply_observe_start(&obs, x->c, x->a.scope);
                started = 1;
        }
        if (loading && (r = load(x)) < 0) {
                if (started)
                        apply_observe_drop(&obs);
                return CLI_LOAD_EXIT(r);
        }
        /* the diff's hashes, while the engine answers (down needs none) */
        if (loading && x->cmd != CMD_DOWN && model_state_hash(x->set.state, &err) < 0) {
                if (started)
                        apply_observe_drop(&obs);
                cli_report(&err);
                return CLI_EXIT_FAIL;
        }
        if (started) {
                if (apply_observe_finish(&obs, &x->res.actual, &err) < 0) {
                        cli_report(&err);
                        return CLI_EXIT_FAIL;
                }
                return 0;
        }
        berth_err_clear(&err);
        if (engine(x, locking) < 0)
                return CLI_EXIT_FAIL;
        if (observe_scope(&x->res.actual, x->c, x->a.scope, &err) < 0) {
                cli_report(&err);
                return CLI_EXIT_FAIL;
        }
        return 0;
}

/* Observe, diff, plan: the manifests' way. */
static int plan_desired(struct rc *x)
{
        struct apply_input in = {.set = &x->set,
                                 .root = x->a.root,
                                 .scope = x->a.scope,
                                 .project = x->a.project,
                                 .allow_empty = x->a.allow_empty};
        struct berth_err err;

        if (apply_plan(&x->res, x->c, &in, &err) < 0) {
                cli_report(&err);
                return -1;
        }
        return 0;
}

/* Observe, diff, plan: down's way (the projects of -f PATH, --project, or
 * all of the scope). */
static int plan_down(struct rc *x)
{
        const char *only[2] = {x->a.project, NULL}, **names = NULL;
        const char *const *projects = x->a.project ? only : NULL;
        struct berth_err err;
        size_t i, n = 0;
        int r = -1;

        berth_err_clear(&err);
        if (!x->a.project && x->have_set) {
                names = calloc(x->set.state->nprojects + x->set.nfailed + 1, sizeof(*names));
                if (!names) {
                        berth_err_set(&err, BERTH_ENOMEM, "out of memory");
                        goto out;
                }
                for (i = 0; i < x->set.state->nprojects; i++)
                        names[n++] = x->set.state->projects[i].name;
                for (i = 0; i < x->set.nfailed; i++)
                        if (x->set.failed[i].project)
                                names[n++] = x->set.failed[i].project;
                projects = names;
        }
        if (diff_down(&x->res.diff, x->res.actual, projects, x->a.volumes, &err) < 0 ||
            plan_build(&x->res.plan, x->res.diff, x->res.actual, &err) < 0)
                goto out;
        r = 0;
out:
        if (r < 0)
                cli_report(&err);
        free(names);
        return r;
}

static void stats_print(const struct rc *x, const struct plan_run *run)
{
        struct docker_call_stats st = {0};

        docker_client_stats(x->c, &st);
        fprintf(stderr, "berth: %lu API calls (%lu mutating)\n", st.total + (run ? run->calls : 0),
                st.mutating + (run ? run->mutating : 0));
}

static void json_print(const struct rc *x, const struct plan_run *run)
{
        struct docker_call_stats st = {0};
        json_t *doc;

        docker_client_stats(x->c, &st);
        doc = plan_to_json(x->res.plan, run, &x->ro, st.total + (run ? run->calls : 0),
                           st.mutating + (run ? run->mutating : 0));
        if (!doc) {
                fprintf(stderr, "berth: out of memory\n");
                return;
        }
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(doc);
}

static void progress(void *userdata, size_t op, const struct plan_op_result *r)
{
        const struct rc *x = userdata;

        plan_render_progress(stdout, x->res.plan, op, r, &x->ro);
        fflush(stdout);
}

/* Run the plan; prints progress and the summary.  1 when all went well. */
static int run(struct rc *x, struct plan_run *out)
{
        struct exec_options o = {0};
        struct berth_err err;

        o.host = docker_client_host(x->c);
        o.api_version = docker_client_api_version(x->c);
        o.parallel = x->a.parallel;
        o.scope = x->a.scope;
        apply_revision(&x->res, x->a.root);
        o.revision = x->res.revision[0] ? x->res.revision : NULL;
        o.stop = &stopsig_stop;
        if (!x->a.json) {
                o.progress = progress;
                o.userdata = x;
                printf("\n");
        }
        stopsig_install(stop_message, 0);
        berth_err_clear(&err);
        if (exec_run(out, x->res.plan, &o, &err) < 0)
                cli_report(&err);
        if (!x->a.json) {
                printf("\n");
                plan_render_summary(stdout, x->res.plan, out, &x->ro);
        }
        return err.code == 0 && plan_run_ok(out);
}

static int confirm(const struct rc *x)
{
        char line[16];

        if (x->a.yes)
                return 1;
        if (!isatty(0)) {
                fprintf(stderr, "berth down: standard input is not a terminal: pass --yes to "
                                "remove without confirmation\n");
                return 0;
        }
        printf("\nRemove these? Only 'yes' is accepted: ");
        fflush(stdout);
        if (!fgets(line, sizeof(line), stdin) || strcmp(line, "yes\n")) {
                printf("Cancelled: nothing was removed.\n");
                return 0;
        }
        return 1;
}

static int reconcile(struct rc *x)
{
        struct plan_run r = {0};
        int dry = x->cmd == CMD_PLAN || x->a.dry_run, rc = CLI_EXIT_FAIL, ok;

        x->ro.color = !x->a.json && isatty(1) && !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
        x->ro.scope = x->a.scope;
        if ((rc = prepare(x, x->cmd != CMD_DOWN || x->a.root, !dry)) != 0)
                return rc;
        rc = CLI_EXIT_FAIL;
        if ((x->cmd == CMD_DOWN ? plan_down(x) : plan_desired(x)) < 0)
                return CLI_EXIT_FAIL;
        x->ro.incomplete = x->nfailed > 0;

        if (dry || !x->res.plan->nops) {
                if (x->a.json)
                        json_print(x, NULL);
                else
                        plan_render_text(stdout, x->res.plan, &x->ro);
                if (x->a.stats)
                        stats_print(x, NULL);
                if (x->nfailed)
                        return CLI_EXIT_FAIL;
                return x->a.detailed && x->res.plan->nops ? 2 : CLI_EXIT_OK;
        }
        if (!x->a.json)
                plan_render_text(stdout, x->res.plan, &x->ro);
        if (x->cmd == CMD_DOWN && !confirm(x))
                return CLI_EXIT_FAIL;
        ok = run(x, &r);
        if (x->a.json)
                json_print(x, &r);
        if (x->a.stats)
                stats_print(x, &r);
        rc = ok && !x->nfailed && !r.interrupted ? CLI_EXIT_OK : CLI_EXIT_FAIL;
        plan_run_release(&r);
        return rc;
}

static int status(struct rc *x)
{
        int planned, r;

        if ((r = prepare(x, 1, 0)) != 0)
                return r;
        planned = plan_desired(x) == 0; /* a plan that cannot run still has its diff */
        if (!x->res.diff)
                return CLI_EXIT_FAIL;
        cli_status_print(x->set.state, x->res.actual, x->res.diff, x->res.frozen, x->a.scope,
                         x->a.json);
        return x->nfailed || !planned ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

static int command(enum cmd cmd, int argc, char **argv, const struct cli_global *g,
                   const char *name, unsigned allowed, const char *usage)
{
        struct rc x;
        int r;

        memset(&x, 0, sizeof(x));
        x.cmd = cmd;
        x.g = g;
        x.lock_fd = -1;
        r = args_parse(&x.a, argc, argv, name, allowed, usage);
        if (r)
                return r > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
        r = cmd == CMD_STATUS ? status(&x) : reconcile(&x);
        rc_release(&x);
        return r;
}

static const char plan_usage[] =
    "usage: berth plan [-f PATH] [--scope S] [--project P] [-o text|json]\n"
    "                  [--detailed-exitcode] [--allow-empty] [--stats]\n"
    "                  [--policy FILE] [--insecure-manifests]\n"
    "\n"
    "Show what apply would change, and change nothing (berth apply --dry-run).\n"
    "\n"
    "  -f, --file PATH        manifest root: a directory (projects absent from it are\n"
    "                         removed) or one file (only its projects are in play);\n"
    "                         default ./manifests\n"
    "      --scope S          the berth instance whose objects these are (default default)\n"
    "  -p, --project P        only project P\n"
    "  -o, --output FMT       text (default) or json (schema/plan.schema.json)\n"
    "      --detailed-exitcode  exit 0 with no changes, 2 with changes, 1 on error\n"
    "      --allow-empty      let an empty manifest root remove everything in the scope\n"
    "      --stats            print how many engine API calls were made\n" CLI_TRUST_USAGE;

static const char apply_usage[] =
    "usage: berth apply [-f PATH] [--scope S] [--project P] [-o text|json] [--dry-run]\n"
    "                   [--parallel N] [--no-wait] [--allow-empty] [--stats]\n"
    "                   [--policy FILE] [--insecure-manifests]\n"
    "\n"
    "Make the engine match the manifests: print the plan, then run it.  Does not ask\n"
    "for confirmation: it is what automation runs (review with berth plan).\n"
    "\n"
    "  -f, --file PATH        manifest root (see berth plan --help); default ./manifests\n"
    "      --scope S          the berth instance whose objects these are (default default)\n"
    "  -p, --project P        only project P\n"
    "  -o, --output FMT       text (default) or json: the plan with each operation's result\n"
    "      --dry-run          print the plan only (berth plan)\n"
    "      --detailed-exitcode  with --dry-run: 0 no changes, 2 changes, 1 error\n"
    "      --parallel N       operations at once (default 4)\n"
    "      --no-wait          exit 1 when another berth holds the scope, instead of waiting\n"
    "      --allow-empty      let an empty manifest root remove everything in the scope\n"
    "      --stats            print how many engine API calls were made\n" CLI_TRUST_USAGE;

static const char down_usage[] =
    "usage: berth down [-f PATH] [--scope S] [--project P] [--volumes] [--yes]\n"
    "                  [-o text|json] [--dry-run] [--parallel N] [--no-wait] [--stats]\n"
    "                  [--policy FILE] [--insecure-manifests]\n"
    "\n"
    "Remove the scope's containers and networks: all of them, the projects of the\n"
    "manifests under -f PATH, or project P.  Volumes only with --volumes.  Shows the\n"
    "plan and asks on a terminal; elsewhere it needs --yes.\n"
    "\n"
    "  -f, --file PATH        only the projects these manifests declare\n"
    "      --scope S          the berth instance whose objects these are (default default)\n"
    "  -p, --project P        only project P\n"
    "      --volumes          remove the projects' volumes too (their data is lost)\n"
    "  -y, --yes              do not ask\n"
    "  -o, --output FMT       text (default) or json\n"
    "      --dry-run          print the plan only\n"
    "      --parallel N       operations at once (default 4)\n"
    "      --no-wait          exit 1 when another berth holds the scope, instead of waiting\n"
    "      --stats            print how many engine API calls were made\n" CLI_TRUST_USAGE;

static const char status_usage[] =
    "usage: berth status [-f PATH] [--scope S] [-o text|json] [--policy FILE]\n"
    "                    [--insecure-manifests]\n"
    "\n"
    "Per project and service: replicas running of desired, health, image, the\n"
    "manifests' revision they were made from, and drift (whether a plan would\n"
    "change them).\n"
    "\n"
    "  -f, --file PATH        manifest root; default ./manifests\n"
    "      --scope S          the berth instance whose objects these are (default default)\n"
    "  -o, --output FMT       text (default) or json\n" CLI_TRUST_USAGE;

#define COMMON (O_FILE | O_SCOPE | O_PROJECT | O_OUTPUT | O_STATS | O_TRUST)

int cmd_plan(int argc, char **argv, const struct cli_global *g)
{
        return command(CMD_PLAN, argc, argv, g, "plan", COMMON | O_DETAILED | O_ALLOW_EMPTY,
                       plan_usage);
}

int cmd_apply(int argc, char **argv, const struct cli_global *g)
{
        return command(CMD_APPLY, argc, argv, g, "apply",
                       COMMON | O_DETAILED | O_ALLOW_EMPTY | O_DRY_RUN | O_PARALLEL | O_NO_WAIT,
                       apply_usage);
}

int cmd_down(int argc, char **argv, const struct cli_global *g)
{
        return command(CMD_DOWN, argc, argv, g, "down",
                       COMMON | O_VOLUMES | O_YES | O_DRY_RUN | O_PARALLEL | O_NO_WAIT, down_usage);
}

int cmd_status(int argc, char **argv, const struct cli_global *g)
{
        return command(CMD_STATUS, argc, argv, g, "status", O_FILE | O_SCOPE | O_OUTPUT | O_TRUST,
                       status_usage);
}
