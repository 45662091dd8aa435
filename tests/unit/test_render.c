/* plan/render.c: plans built by hand (plain structs: a diff_result with its
 * changes, a plan with its operations) rendered as text, progress lines,
 * run summaries and JSON, each compared with the exact expected output.
 * The JSON documents are also validated against schema/plan.schema.json by
 * berth's own validator and by python-jsonschema's Draft7Validator (needs
 * python3-jsonschema, as test_schema_agreement does: without it the test
 * fails, saying so).
 *
 * Golden files: each directory under tests/fixtures/plan/ is one case,
 * run through the whole pure pipeline (manifest_load, observe_from_json,
 * diff_compute, plan_build) and rendered; tests/fixtures/plan/README.md
 * says what a case holds.  BERTH_UPDATE_GOLDEN=1 rewrites the expected
 * files instead of comparing (review the diff before committing it). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth_test.h"
#include "common/err.h"
#include "diff/diff.h"
#include "manifest/diag.h"
#include "manifest/doc.h"
#include "manifest/load.h"
#include "model/model.h"
#include "observe/observe.h"
#include "plan/plan.h"
#include "plan/render.h"
#include "schema/validate.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define PLAN_SCHEMA BERTH_TEST_DATA "/../schema/plan.schema.json"
#define GOLDEN BERTH_TEST_DATA "/fixtures/plan"
#define MAX_CASES 64

/* ---- helpers ------------------------------------------------------------- */

/* What f wrote, as a malloc'd string. */
struct capture {
        char *text;
        size_t len;
        FILE *f;
};

static FILE *capture_start(struct capture *c)
{
        c->text = NULL;
        c->len = 0;
        c->f = open_memstream(&c->text, &c->len);
        ck_assert_ptr_nonnull(c->f);
        return c->f;
}

static char *capture_end(struct capture *c)
{
        ck_assert_int_eq(fclose(c->f), 0);
        return c->text;
}

/* Compare whole texts; on a mismatch show both in full. */
static void expect_text(char *got, const char *want)
{
        if (strcmp(got, want) != 0)
                ck_abort_msg("rendered text differs\n--- want ---\n%s--- got ---\n%s--- end ---",
                             want, got);
        free(got);
}

static char *render_text(const struct plan *p, bool color)
{
        struct plan_render_options o = {.color = color, .scope = "default"};
        struct capture c;

        plan_render_text(capture_start(&c), p, &o);
        return capture_end(&c);
}

/* ---- the plan of render.h's example ------------------------------------- */

static char shop_name[] = "shop", shop_file[] = "manifests/shop.yaml", shop_source[] = "shop.yaml";
static struct model_project shop = {.name = shop_name, .file = shop_file, .source = shop_source};

static struct diff_field api_fields[] = {
    {"environment.LOG_LEVEL", "\"info\"", "\"debug\""},
    {"image", "app:1.2", "app:1.3"},
};

static struct diff_change example_changes[] = {
    {.kind = DIFF_NETWORK,
     .action = DIFF_CREATE,
     .project = "shop",
     .name = "shop_default",
     .reason = "not created yet",
     .project_desired = &shop},
    {.kind = DIFF_CONTAINER,
     .action = DIFF_CREATE,
     .project = "shop",
     .service = "web",
     .replica = 1,
     .name = "shop-web-1",
     .reason = "not created yet",
     .project_desired = &shop},
    {.kind = DIFF_CONTAINER,
     .action = DIFF_RECREATE,
     .project = "shop",
     .service = "api",
     .replica = 1,
     .name = "shop-api-1",
     .reason = "configuration changed",
     .project_desired = &shop,
     .fields = api_fields,
     .nfields = N(api_fields)},
    {.kind = DIFF_CONTAINER,
     .action = DIFF_START,
     .project = "shop",
     .service = "worker",
     .replica = 1,
     .name = "shop-worker-1",
     .reason = "not running (exited 137)",
     .project_desired = &shop},
    {.kind = DIFF_CONTAINER,
     .action = DIFF_REMOVE,
     .project = "shop",
     .service = "web",
     .replica = 3,
     .name = "shop-web-3",
     .reason = "scaled from 3 to 1"},
    {.kind = DIFF_CONTAINER,
     .action = DIFF_COMPLETED,
     .project = "shop",
     .service = "migrate",
     .replica = 1,
     .name = "shop-migrate-1",
     .reason = "completed (exited 0)",
     .project_desired = &shop},
    {.kind = DIFF_CONTAINER,
     .action = DIFF_FROZEN,
     .project = "shop",
     .service = "db",
     .replica = 1,
     .name = "shop-db-1",
     .reason = "left alone: the project's manifest did not load"},
};

static struct diff_result example_diff = {
    .changes = example_changes,
    .nchanges = N(example_changes),
    .ncreate = 2,
    .nrecreate = 1,
    .nstart = 1,
    .nremove = 1,
};

static size_t deps_web[] = {0}, deps_api[] = {0, 1};
static struct plan_gate gates_web[] = {{"shop-api-1", "api", MODEL_COND_HEALTHY}};

static struct plan_op example_ops[] = {
    {.id = 0,
     .kind = PLAN_NETWORK_CREATE,
     .change = &example_changes[0],
     .name = "shop_default",
     .project = "shop"},
    {.id = 1, .kind = PLAN_IMAGE_PULL, .name = "app:1.3", .pull_policy = MODEL_PULL_ALWAYS},
    {.id = 2,
     .kind = PLAN_CONTAINER_RECREATE,
     .change = &example_changes[2],
     .name = "shop-api-1",
     .project = "shop",
     .deps = deps_api,
     .ndeps = N(deps_api)},
    {.id = 3,
     .kind = PLAN_CONTAINER_CREATE,
     .change = &example_changes[1],
     .name = "shop-web-1",
     .project = "shop",
     .gates = gates_web,
     .ngates = N(gates_web),
     .deps = deps_web,
     .ndeps = N(deps_web)},
    {.id = 4,
     .kind = PLAN_CONTAINER_START,
     .change = &example_changes[3],
     .name = "shop-worker-1",
     .project = "shop"},
    {.id = 5,
     .kind = PLAN_CONTAINER_REMOVE,
     .change = &example_changes[4],
     .name = "shop-web-3",
     .project = "shop"},
};

/* The ops are static and tests change them: each check test runs in a
 * process of its own, but reset anyway so CK_FORK=no works too. */
static struct plan example_plan(void)
{
        size_t i;

        for (i = 0; i < N(example_ops); i++) {
                example_ops[i].start_first = false;
                example_ops[i].temp_name = NULL;
                example_ops[i].note = NULL;
        }
        example_ops[2].gates = NULL;
        example_ops[2].ngates = 0;
        return (struct plan){.diff = &example_diff, .ops = example_ops, .nops = N(example_ops)};
}

static const char example_text[] =
    "berth will perform these actions (scope default):\n"
    "\n"
    "project shop (manifests/shop.yaml)\n"
    "  + network shop_default: not created yet\n"
    "  + container shop-web-1: not created yet\n"
    "  ~ container shop-api-1: configuration changed\n"
    "      environment.LOG_LEVEL: \"info\" \xe2\x86\x92 \"debug\"\n"
    "      image: app:1.2 \xe2\x86\x92 app:1.3\n"
    "  > container shop-worker-1: not running (exited 137)\n"
    "  - container shop-web-3: scaled from 3 to 1\n"
    "  = container shop-migrate-1: completed (exited 0)\n"
    "  ! container shop-db-1: left alone: the project's manifest did not load\n"
    "\n"
    "Plan: 2 to create, 1 to recreate, 1 to start, 1 to remove.\n"
    "Left alone: 1 object of projects whose manifests did not load or were not all read.\n";

/* ---- text ---------------------------------------------------------------- */

START_TEST(text_every_symbol)
{
        struct plan p = example_plan();

        expect_text(render_text(&p, false), example_text);
}
END_TEST

START_TEST(text_start_first_and_note)
{
        struct plan p = example_plan();

        example_ops[2].start_first = true;
        example_ops[2].temp_name = "shop-api-1-new";
        example_ops[4].note = "started again: its service restarts on failure";
        expect_text(render_text(&p, false),
                    "berth will perform these actions (scope default):\n"
                    "\n"
                    "project shop (manifests/shop.yaml)\n"
                    "  + network shop_default: not created yet\n"
                    "  + container shop-web-1: not created yet\n"
                    "  ~ container shop-api-1: configuration changed (start-first)\n"
                    "      environment.LOG_LEVEL: \"info\" \xe2\x86\x92 \"debug\"\n"
                    "      image: app:1.2 \xe2\x86\x92 app:1.3\n"
                    "  > container shop-worker-1: not running (exited 137)\n"
                    "      note: started again: its service restarts on failure\n"
                    "  - container shop-web-3: scaled from 3 to 1\n"
                    "  = container shop-migrate-1: completed (exited 0)\n"
                    "  ! container shop-db-1: left alone: the project's manifest did not load\n"
                    "\n"
                    "Plan: 2 to create, 1 to recreate, 1 to start, 1 to remove.\n"
                    "Left alone: 1 object of projects whose manifests did not load or were not "
                    "all read.\n");
}
END_TEST

START_TEST(text_stop_first_note)
{
        struct plan p = example_plan();
        char *got;

        example_ops[2].note = "stop-first: port 8080 cannot be published twice";
        got = render_text(&p, false);
        ck_assert_ptr_nonnull(strstr(got, "  ~ container shop-api-1: configuration changed\n"
                                          "      environment.LOG_LEVEL: \"info\" \xe2\x86\x92 "
                                          "\"debug\"\n"
                                          "      image: app:1.2 \xe2\x86\x92 app:1.3\n"
                                          "      note: stop-first: port 8080 cannot be "
                                          "published twice\n"
                                          "  > container"));
        free(got);
}
END_TEST

#define G(s) "\033[32m" s "\033[0m"
#define Y(s) "\033[33m" s "\033[0m"
#define R(s) "\033[31m" s "\033[0m"
#define D(s) "\033[2m" s "\033[0m"
#define B(s) "\033[1m" s "\033[0m"

/* One line of output per line of source. */
/* clang-format off */
START_TEST(text_color)
{
        struct plan p = example_plan();

        expect_text(render_text(&p, true),
                    "berth will perform these actions (scope default):\n"
                    "\n"
                    B("project shop (manifests/shop.yaml)") "\n"
                    "  " G("+") " network shop_default: not created yet\n"
                    "  " G("+") " container shop-web-1: not created yet\n"
                    "  " Y("~") " container shop-api-1: configuration changed\n"
                    "      " D("environment.LOG_LEVEL") ": \"info\" \xe2\x86\x92 \"debug\"\n"
                    "      " D("image") ": app:1.2 \xe2\x86\x92 app:1.3\n"
                    "  " Y(">") " container shop-worker-1: not running (exited 137)\n"
                    "  " R("-") " container shop-web-3: scaled from 3 to 1\n"
                    "  " D("=") " container shop-migrate-1: completed (exited 0)\n"
                    "  " B("!") " container shop-db-1: left alone: the project's manifest did not load\n"
                    "\n"
                    "Plan: " G("2 to create") ", " Y("1 to recreate") ", " Y("1 to start") ", "
                    R("1 to remove") ".\n"
                    "Left alone: 1 object of projects whose manifests did not load or were not all read.\n");
}
END_TEST
/* clang-format on */

START_TEST(text_no_color_has_no_escape)
{
        struct plan p = example_plan();
        char *got = render_text(&p, false);

        ck_assert_ptr_null(strchr(got, '\033'));
        free(got);
}
END_TEST

START_TEST(text_no_changes)
{
        struct diff_result d = {0};
        struct plan p = {.diff = &d};

        expect_text(render_text(&p, false),
                    "No changes. The engine matches the manifests (scope default).\n");
        expect_text(render_text(&p, true),
                    "No changes. The engine matches the manifests (scope default).\n");
}
END_TEST

START_TEST(text_scope_named)
{
        struct diff_result d = {0};
        struct plan p = {.diff = &d};
        struct plan_render_options o = {.scope = "prod"};
        struct capture c;

        plan_render_text(capture_start(&c), &p, &o);
        expect_text(capture_end(&c),
                    "No changes. The engine matches the manifests (scope prod).\n");
}
END_TEST

/* Only entries that need nothing: they are listed, and there is no plan. */
START_TEST(text_only_completed_and_frozen)
{
        struct diff_change v[] = {example_changes[5], example_changes[6], example_changes[6]};
        struct diff_result d = {.changes = v, .nchanges = N(v)};
        struct plan p = {.diff = &d};

        v[2].name = "shop-db-2";
        v[2].replica = 2;
        expect_text(render_text(&p, false),
                    "project shop (manifests/shop.yaml)\n"
                    "  = container shop-migrate-1: completed (exited 0)\n"
                    "  ! container shop-db-1: left alone: the project's manifest did not load\n"
                    "  ! container shop-db-2: left alone: the project's manifest did not load\n"
                    "\n"
                    "No changes to the projects that loaded (scope default).\n"
                    "Left alone: 2 objects of projects whose manifests did not load or were not "
                    "all read.\n");
}
END_TEST

/* One header per project, in the order of the changes; a project only
 * known from the engine (removed, frozen) has no file to show; an orphan
 * without a project label has a header of its own. */
START_TEST(text_projects)
{
        static char blog_name[] = "blog", blog_file[] = "/srv/m/blog.yml";
        struct model_project blog = {.name = blog_name, .file = blog_file};
        struct diff_change v[] = {
            {.kind = DIFF_CONTAINER,
             .action = DIFF_REMOVE,
             .project = "",
             .service = "",
             .name = "stray",
             .reason = "berth.project label missing"},
            {.kind = DIFF_VOLUME,
             .action = DIFF_CREATE,
             .project = "blog",
             .name = "blog_data",
             .reason = "not created yet",
             .project_desired = &blog},
            {.kind = DIFF_CONTAINER,
             .action = DIFF_REMOVE,
             .project = "gone",
             .service = "web",
             .replica = 1,
             .name = "gone-web-1",
             .reason = "no longer declared"},
            {.kind = DIFF_NETWORK,
             .action = DIFF_REMOVE,
             .project = "gone",
             .name = "gone_default",
             .reason = "no longer declared"},
            {.kind = DIFF_CONTAINER,
             .action = DIFF_FROZEN,
             .project = "shop",
             .service = "web",
             .replica = 1,
             .name = "shop-web-1",
             .reason = "left alone: not declared, but the manifests were not all read"},
        };
        struct diff_result d = {.changes = v, .nchanges = N(v)};
        struct plan p = {.diff = &d};

        expect_text(render_text(&p, false),
                    "berth will perform these actions (scope default):\n"
                    "\n"
                    "no project (berth.project label missing)\n"
                    "  - container stray: berth.project label missing\n"
                    "\n"
                    "project blog (/srv/m/blog.yml)\n"
                    "  + volume blog_data: not created yet\n"
                    "\n"
                    "project gone\n"
                    "  - container gone-web-1: no longer declared\n"
                    "  - network gone_default: no longer declared\n"
                    "\n"
                    "project shop\n"
                    "  ! container shop-web-1: left alone: not declared, but the manifests were "
                    "not all read\n"
                    "\n"
                    "Plan: 1 to create, 3 to remove.\n"
                    "Left alone: 1 object of projects whose manifests did not load or were not "
                    "all read.\n");
}
END_TEST

/* Each part of the count line appears only when not zero. */
START_TEST(text_count_line_parts)
{
        static const struct {
                enum diff_action a;
                const char *line;
        } rows[] = {
            {DIFF_CREATE, "Plan: 1 to create.\n"},
            {DIFF_RECREATE, "Plan: 1 to recreate.\n"},
            {DIFF_START, "Plan: 1 to start.\n"},
            {DIFF_REMOVE, "Plan: 1 to remove.\n"},
        };
        size_t i;

        for (i = 0; i < N(rows); i++) {
                struct diff_change c = example_changes[1];
                struct diff_result d = {.changes = &c, .nchanges = 1};
                struct plan p = {.diff = &d};
                char *got, *last;

                c.action = rows[i].a;
                got = render_text(&p, false);
                last = strstr(got, "Plan:");
                ck_assert_ptr_nonnull(last);
                ck_assert_str_eq(last, rows[i].line);
                free(got);
        }
}
END_TEST

/* ---- progress and summary ------------------------------------------------ */

static char *progress(const struct plan *p, size_t op, enum plan_status st, const char *msg,
                      double seconds, bool color)
{
        struct plan_render_options o = {.color = color, .scope = "default"};
        struct plan_op_result r = {.status = st, .seconds = seconds};
        struct capture c;

        snprintf(r.message, sizeof(r.message), "%s", msg);
        plan_render_progress(capture_start(&c), p, op, &r, &o);
        return capture_end(&c);
}

START_TEST(progress_done_lines)
{
        struct plan p = example_plan();
        struct plan_op more[] = {
            {.kind = PLAN_VOLUME_CREATE, .name = "shop_data"},
            {.kind = PLAN_NETWORK_REMOVE, .name = "gone_default"},
            {.kind = PLAN_VOLUME_REMOVE, .name = "gone_data"},
            {.kind = PLAN_IMAGE_PULL, .name = "app:1", .pull_policy = MODEL_PULL_MISSING},
        };
        struct plan q = {.diff = &example_diff, .ops = more, .nops = N(more)};

        expect_text(progress(&p, 0, PLAN_DONE, "", 0.04, false),
                    "network shop_default: created (0.0s)\n");
        expect_text(progress(&p, 1, PLAN_DONE, "", 2.0, false), "image app:1.3: pulled (2.0s)\n");
        expect_text(progress(&p, 2, PLAN_DONE, "", 3.44, false), "shop-api-1: recreated (3.4s)\n");
        expect_text(progress(&p, 3, PLAN_DONE, "", 1.2, false),
                    "shop-web-1: created and started (1.2s)\n");
        expect_text(progress(&p, 4, PLAN_DONE, "", 0.3, false), "shop-worker-1: started (0.3s)\n");
        expect_text(progress(&p, 5, PLAN_DONE, "", 10.25, false), "shop-web-3: removed (10.2s)\n");
        example_ops[2].start_first = true;
        expect_text(progress(&p, 2, PLAN_DONE, "", 3.4, false),
                    "shop-api-1: recreated (start-first) (3.4s)\n");
        expect_text(progress(&q, 0, PLAN_DONE, "", 0.1, false),
                    "volume shop_data: created (0.1s)\n");
        expect_text(progress(&q, 1, PLAN_DONE, "", 0.1, false),
                    "network gone_default: removed (0.1s)\n");
        expect_text(progress(&q, 2, PLAN_DONE, "", 0.1, false),
                    "volume gone_data: removed (0.1s)\n");
        expect_text(progress(&q, 3, PLAN_DONE, "", 0, false), "image app:1: ready (0.0s)\n");
}
END_TEST

START_TEST(progress_other_lines)
{
        struct plan p = example_plan();

        expect_text(progress(&p, 3, PLAN_FAILED,
                             "cannot start container 'shop-web-1': port 8080 is already allocated",
                             0.5, false),
                    "shop-web-1: failed: cannot start container 'shop-web-1': port 8080 is already "
                    "allocated\n");
        expect_text(progress(&p, 3, PLAN_SKIPPED, "'shop-api-1' failed", 0, false),
                    "shop-web-1: skipped: 'shop-api-1' failed\n");
        expect_text(progress(&p, 2, PLAN_ROLLED_BACK,
                             "container 'shop-api-1-new' did not become healthy", 30, false),
                    "shop-api-1: rolled back: container 'shop-api-1-new' did not become "
                    "healthy\n");
        expect_text(progress(&p, 4, PLAN_INTERRUPTED, "", 0, false),
                    "shop-worker-1: not started (interrupted)\n");
        expect_text(progress(&p, 4, PLAN_PENDING, "", 0, false), "shop-worker-1: not started\n");
        expect_text(progress(&p, 4, PLAN_PENDING, PLAN_ENGINE_LOST, 0, false),
                    "shop-worker-1: not started: the Docker engine stopped answering\n");
        expect_text(progress(&p, 3, PLAN_FAILED, "", 0, false), "shop-web-1: failed\n");
}
END_TEST

START_TEST(progress_color)
{
        struct plan p = example_plan();

        expect_text(progress(&p, 3, PLAN_DONE, "", 1.2, true),
                    "shop-web-1: " G("created and started") " (1.2s)\n");
        expect_text(progress(&p, 2, PLAN_DONE, "", 1.2, true),
                    "shop-api-1: " Y("recreated") " (1.2s)\n");
        expect_text(progress(&p, 5, PLAN_DONE, "", 1.2, true),
                    "shop-web-3: " R("removed") " (1.2s)\n");
        expect_text(progress(&p, 3, PLAN_FAILED, "boom", 1.2, true),
                    "shop-web-1: " R("failed") ": boom\n");
        expect_text(progress(&p, 3, PLAN_SKIPPED, "'x' failed", 0, true),
                    "shop-web-1: " Y("skipped") ": 'x' failed\n");
}
END_TEST

static struct plan_op_result results[N(example_ops)];

static struct plan_run make_run(const enum plan_status *st, size_t n)
{
        size_t i;

        memset(results, 0, sizeof(results));
        for (i = 0; i < n; i++) {
                results[i].status = st[i];
                results[i].seconds = 0.5;
        }
        return (struct plan_run){.results = results, .nresults = n, .calls = 40, .mutating = 12};
}

static char *summary(const struct plan *p, const struct plan_run *run)
{
        struct plan_render_options o = {.scope = "default"};
        struct capture c;

        plan_render_summary(capture_start(&c), p, run, &o);
        return capture_end(&c);
}

START_TEST(summary_complete)
{
        static const enum plan_status st[] = {PLAN_DONE, PLAN_DONE, PLAN_DONE,
                                              PLAN_DONE, PLAN_DONE, PLAN_DONE};
        struct plan p = example_plan();
        struct plan_run run = make_run(st, N(st));

        expect_text(summary(&p, &run), "Apply complete: 6 succeeded.\n");
}
END_TEST

START_TEST(summary_failed)
{
        static const enum plan_status st[] = {PLAN_DONE,    PLAN_DONE,   PLAN_ROLLED_BACK,
                                              PLAN_SKIPPED, PLAN_FAILED, PLAN_DONE};
        struct plan p = example_plan();
        struct plan_run run = make_run(st, N(st));

        snprintf(results[2].message, sizeof(results[2].message),
                 "container 'shop-api-1-new' did not become healthy");
        snprintf(results[3].message, sizeof(results[3].message), "'shop-api-1' failed");
        snprintf(results[4].message, sizeof(results[4].message),
                 "cannot start container 'shop-worker-1': no such image");
        expect_text(summary(&p, &run),
                    "shop-api-1: rolled back: container 'shop-api-1-new' did not become healthy\n"
                    "shop-web-1: skipped: 'shop-api-1' failed\n"
                    "shop-worker-1: failed: cannot start container 'shop-worker-1': no such "
                    "image\n"
                    "Apply failed: 3 succeeded, 1 failed, 1 skipped, 1 rolled back.\n");
}
END_TEST

/* Interrupted: the ops without a result, or marked so, were not started. */
START_TEST(summary_interrupted)
{
        static const enum plan_status st[] = {PLAN_DONE, PLAN_DONE, PLAN_INTERRUPTED};
        struct plan p = example_plan();
        struct plan_run run = make_run(st, N(st));

        run.interrupted = true;
        expect_text(summary(&p, &run), "shop-api-1: not started (interrupted)\n"
                                       "shop-web-1: not started\n"
                                       "shop-worker-1: not started\n"
                                       "shop-web-3: not started\n"
                                       "Apply failed: 2 succeeded, 4 not started (interrupted).\n");
}
END_TEST

/* The engine went: what was left is pending, and says why. */
START_TEST(summary_engine_lost)
{
        static const enum plan_status st[] = {PLAN_DONE,    PLAN_DONE,    PLAN_FAILED,
                                              PLAN_SKIPPED, PLAN_PENDING, PLAN_PENDING};
        struct plan p = example_plan();
        struct plan_run run = make_run(st, N(st));

        run.engine_lost = true;
        snprintf(results[2].message, sizeof(results[2].message),
                 "cannot start container "
                 "'shop-api-1': the Docker "
                 "engine is not running");
        snprintf(results[3].message, sizeof(results[3].message), "'shop-api-1' failed");
        snprintf(results[4].message, sizeof(results[4].message), PLAN_ENGINE_LOST);
        snprintf(results[5].message, sizeof(results[5].message), PLAN_ENGINE_LOST);
        expect_text(summary(&p, &run),
                    "shop-api-1: failed: cannot start container 'shop-api-1': the Docker engine "
                    "is not running\n"
                    "shop-web-1: skipped: 'shop-api-1' failed\n"
                    "shop-worker-1: not started: the Docker engine stopped answering\n"
                    "shop-web-3: not started: the Docker engine stopped answering\n"
                    "Apply failed: 2 succeeded, 1 failed, 1 skipped, 2 not started (the Docker "
                    "engine stopped answering).\n");
}
END_TEST

START_TEST(summary_nothing)
{
        struct diff_result d = {0};
        struct plan p = {.diff = &d};
        struct plan_run run = {0};

        expect_text(summary(&p, &run), "Apply complete: nothing to do.\n");
}
END_TEST

/* ---- JSON ---------------------------------------------------------------- */

static char *read_text(const char *path, size_t *len)
{
        FILE *f = fopen(path, "re");
        char *text = NULL;
        size_t cap = 0, n;

        ck_assert_msg(f != NULL, "cannot open %s", path);
        *len = 0;
        for (;;) {
                if (*len + 4096 > cap) {
                        cap = cap ? 2 * cap : 65536;
                        text = realloc(text, cap + 1);
                        ck_assert_ptr_nonnull(text);
                }
                n = fread(text + *len, 1, 4096, f);
                *len += n;
                if (n < 4096)
                        break;
        }
        fclose(f);
        text[*len] = '\0';
        return text;
}

static struct schema *plan_schema(void)
{
        struct schema *s = NULL;
        struct berth_err err = {0};
        size_t len;
        char *text = read_text(PLAN_SCHEMA, &len);

        ck_assert_msg(schema_parse(&s, text, len, &err) == 0, "schema/plan.schema.json: %s",
                      err.msg);
        free(text);
        return s;
}

/* Validate j with berth's validator (through the document tree: JSON is
 * YAML); NULL when valid, else the problems (malloc'd). */
static char *berth_validate(const struct schema *s, const json_t *j)
{
        char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
        struct diag_list dl;
        struct berth_err err = {0};
        struct doc *d = NULL;
        char *problems = NULL;
        int n;

        ck_assert_ptr_nonnull(text);
        diag_list_init(&dl);
        ck_assert_msg(doc_parse(&d, "plan.json", text, strlen(text), NULL, &dl, &err) == 0,
                      "the JSON does not read back: %s", err.msg);
        n = schema_validate(s, d->root, "plan.json", &dl);
        ck_assert_int_ge(n, 0);
        if (n > 0)
                problems = diag_list_format(&dl);
        diag_list_release(&dl);
        doc_free(d);
        free(text);
        return problems;
}

static void expect_valid(const struct schema *s, const json_t *j)
{
        char *problems = berth_validate(s, j), *text;

        if (problems) {
                text = json_dumps(j, JSON_INDENT(2));
                ck_abort_msg("plan JSON does not follow schema/plan.schema.json:\n%s\n%s", problems,
                             text);
        }
}

static json_t *to_json(const struct plan *p, const struct plan_run *run)
{
        struct plan_render_options o = {.scope = "default"};
        json_t *j = plan_to_json(p, run, &o, 4, 0);

        ck_assert_ptr_nonnull(j);
        return j;
}

static void expect_json(json_t *got, const char *want_text)
{
        json_error_t e;
        json_t *want = json_loads(want_text, 0, &e);
        char *g, *w;

        ck_assert_msg(want != NULL, "bad expected JSON: %d:%d: %s", e.line, e.column, e.text);
        if (!json_equal(got, want)) {
                g = json_dumps(got, JSON_INDENT(2) | JSON_SORT_KEYS);
                w = json_dumps(want, JSON_INDENT(2) | JSON_SORT_KEYS);
                ck_abort_msg("JSON differs\n--- want ---\n%s\n--- got ---\n%s", w, g);
        }
        json_decref(want);
}

static const char example_json[] =
    "{\"format_version\": 1, \"scope\": \"default\","
    " \"changes\": ["
    "  {\"kind\": \"network\", \"action\": \"create\", \"project\": \"shop\","
    "   \"source\": \"shop.yaml\", \"name\": \"shop_default\", \"reason\": \"not created yet\","
    "   \"operation\": 0},"
    "  {\"kind\": \"container\", \"action\": \"create\", \"project\": \"shop\","
    "   \"source\": \"shop.yaml\", \"service\": \"web\", \"replica\": 1, \"name\": "
    "\"shop-web-1\","
    "   \"reason\": \"not created yet\", \"operation\": 3},"
    "  {\"kind\": \"container\", \"action\": \"recreate\", \"project\": \"shop\","
    "   \"source\": \"shop.yaml\", \"service\": \"api\", \"replica\": 1, \"name\": "
    "\"shop-api-1\","
    "   \"reason\": \"configuration changed\", \"update_order\": \"stop-first\","
    "   \"fields\": [{\"path\": \"environment.LOG_LEVEL\", \"before\": \"\\\"info\\\"\","
    "                 \"after\": \"\\\"debug\\\"\"},"
    "                {\"path\": \"image\", \"before\": \"app:1.2\", \"after\": \"app:1.3\"}],"
    "   \"operation\": 2},"
    "  {\"kind\": \"container\", \"action\": \"start\", \"project\": \"shop\","
    "   \"source\": \"shop.yaml\", \"service\": \"worker\", \"replica\": 1,"
    "   \"name\": \"shop-worker-1\", \"reason\": \"not running (exited 137)\", \"operation\": 4},"
    "  {\"kind\": \"container\", \"action\": \"remove\", \"project\": \"shop\","
    "   \"service\": \"web\", \"replica\": 3, \"name\": \"shop-web-3\","
    "   \"reason\": \"scaled from 3 to 1\", \"operation\": 5},"
    "  {\"kind\": \"container\", \"action\": \"completed\", \"project\": \"shop\","
    "   \"source\": \"shop.yaml\", \"service\": \"migrate\", \"replica\": 1,"
    "   \"name\": \"shop-migrate-1\", \"reason\": \"completed (exited 0)\"},"
    "  {\"kind\": \"container\", \"action\": \"frozen\", \"project\": \"shop\","
    "   \"service\": \"db\", \"replica\": 1, \"name\": \"shop-db-1\","
    "   \"reason\": \"left alone: the project's manifest did not load\"}"
    " ],"
    " \"operations\": ["
    "  {\"id\": 0, \"op\": \"network-create\", \"name\": \"shop_default\", \"project\": \"shop\","
    "   \"change\": 0, \"depends_on\": []},"
    "  {\"id\": 1, \"op\": \"image-pull\", \"name\": \"app:1.3\", \"pull_policy\": \"always\","
    "   \"depends_on\": []},"
    "  {\"id\": 2, \"op\": \"container-recreate\", \"name\": \"shop-api-1\", \"project\": "
    "\"shop\","
    "   \"change\": 2, \"depends_on\": [0, 1]},"
    "  {\"id\": 3, \"op\": \"container-create\", \"name\": \"shop-web-1\", \"project\": \"shop\","
    "   \"change\": 1, \"depends_on\": [0],"
    "   \"gates\": [{\"container\": \"shop-api-1\", \"service\": \"api\","
    "                \"condition\": \"service_healthy\"}]},"
    "  {\"id\": 4, \"op\": \"container-start\", \"name\": \"shop-worker-1\", \"project\": "
    "\"shop\","
    "   \"change\": 3, \"depends_on\": []},"
    "  {\"id\": 5, \"op\": \"container-remove\", \"name\": \"shop-web-3\", \"project\": \"shop\","
    "   \"change\": 4, \"depends_on\": []}"
    " ],"
    " \"summary\": {\"create\": 2, \"recreate\": 1, \"start\": 1, \"remove\": 1,"
    "             \"completed\": 1, \"frozen\": 1},"
    " \"changed\": true,"
    " \"api_calls\": {\"total\": 4, \"mutating\": 0}}";

START_TEST(json_plan)
{
        struct plan p = example_plan();
        struct schema *s = plan_schema();
        json_t *j = to_json(&p, NULL);

        expect_json(j, example_json);
        expect_valid(s, j);
        json_decref(j);
        schema_free(s);
}
END_TEST

START_TEST(json_start_first_note_and_conditions)
{
        struct plan p = example_plan();
        struct plan_gate gates[] = {{"shop-db-1", "db", MODEL_COND_STARTED},
                                    {"shop-migrate-1", "migrate", MODEL_COND_COMPLETED}};
        struct schema *s = plan_schema();
        json_t *j, *c, *op;

        example_ops[2].start_first = true;
        example_ops[2].temp_name = "shop-api-1-new";
        example_ops[2].note = "only replica: started before the old one is stopped";
        example_ops[2].gates = gates;
        example_ops[2].ngates = N(gates);
        j = to_json(&p, NULL);
        c = json_array_get(json_object_get(j, "changes"), 2);
        op = json_array_get(json_object_get(j, "operations"), 2);
        ck_assert_str_eq(json_string_value(json_object_get(c, "update_order")), "start-first");
        ck_assert_str_eq(json_string_value(json_object_get(c, "note")),
                         "only replica: started before the old one is stopped");
        ck_assert_str_eq(json_string_value(json_object_get(op, "temp_name")), "shop-api-1-new");
        expect_json(json_object_get(op, "gates"),
                    "[{\"container\": \"shop-db-1\", \"service\": \"db\","
                    "  \"condition\": \"service_started\"},"
                    " {\"container\": \"shop-migrate-1\", \"service\": \"migrate\","
                    "  \"condition\": \"service_completed_successfully\"}]");
        expect_valid(s, j);
        json_decref(j);
        schema_free(s);
}
END_TEST

START_TEST(json_no_changes)
{
        struct diff_result d = {0};
        struct plan p = {.diff = &d};
        struct schema *s = plan_schema();
        json_t *j = to_json(&p, NULL);

        expect_json(j, "{\"format_version\": 1, \"scope\": \"default\", \"changes\": [],"
                       " \"operations\": [], \"summary\": {\"create\": 0, \"recreate\": 0,"
                       " \"start\": 0, \"remove\": 0, \"completed\": 0, \"frozen\": 0},"
                       " \"changed\": false, \"api_calls\": {\"total\": 4, \"mutating\": 0}}");
        expect_valid(s, j);
        json_decref(j);
        schema_free(s);
}
END_TEST

START_TEST(json_run)
{
        static const enum plan_status st[] = {PLAN_DONE,    PLAN_DONE,   PLAN_ROLLED_BACK,
                                              PLAN_SKIPPED, PLAN_FAILED, PLAN_INTERRUPTED};
        struct plan p = example_plan();
        struct plan_run run = make_run(st, N(st));
        struct schema *s = plan_schema();
        json_t *j, *ops;

        run.interrupted = true;
        snprintf(results[4].message, sizeof(results[4].message), "no such image");
        j = to_json(&p, &run);
        expect_json(json_object_get(j, "result"),
                    "{\"succeeded\": 2, \"failed\": 1, \"skipped\": 1, \"rolled_back\": 1,"
                    " \"not_started\": 1, \"interrupted_by_signal\": true,"
                    " \"engine_lost\": false}");
        ops = json_object_get(j, "operations");
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ops, 0), "status")),
                         "done");
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ops, 2), "status")),
                         "rolled-back");
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ops, 4), "message")),
                         "no such image");
        ck_assert_ptr_null(json_object_get(json_array_get(ops, 0), "message"));
        ck_assert(json_real_value(json_object_get(json_array_get(ops, 5), "seconds")) == 0.5);
        expect_valid(s, j);
        json_decref(j);

        /* a run that stopped early: the ops without a result are pending */
        run.nresults = 2;
        run.interrupted = false;
        run.engine_lost = true;
        j = to_json(&p, &run);
        ck_assert(json_is_true(json_object_get(json_object_get(j, "result"), "engine_lost")));
        ck_assert_str_eq(json_string_value(json_object_get(
                             json_array_get(json_object_get(j, "operations"), 5), "status")),
                         "pending");
        ck_assert_int_eq(
            json_integer_value(json_object_get(json_object_get(j, "result"), "not_started")), 4);
        expect_valid(s, j);
        json_decref(j);
        schema_free(s);
}
END_TEST

/* The schema is not a formality: documents that break it are refused. */
START_TEST(json_schema_refuses)
{
        static const char *const broken[] = {
            "/format_version=2",        "/changes/0/kind=\"image\"",
            "/changes/1/replica=0",     "/changes/0/extra=1",
            "/operations/0/op=\"run\"", "/summary/create=-1",
            "/changed=\"yes\"",         "/operations/0/status=\"done\"",
            "/changes/0/fields=[]",     "/operations/1/project=\"shop\"",
        };
        struct plan p = example_plan();
        struct schema *s = plan_schema();
        size_t i;

        for (i = 0; i < N(broken); i++) {
                json_t *j = to_json(&p, NULL), *parent = j, *v;
                char path[128], *eq, *tok, *next, *problems;
                json_error_t e;

                snprintf(path, sizeof(path), "%s", broken[i]);
                eq = strchr(path, '=');
                *eq = '\0';
                v = json_loads(eq + 1, JSON_DECODE_ANY, &e);
                ck_assert_ptr_nonnull(v);
                tok = path + 1;
                while ((next = strchr(tok, '/'))) {
                        *next = '\0';
                        parent = json_is_array(parent) ? json_array_get(parent, atoi(tok))
                                                       : json_object_get(parent, tok);
                        ck_assert_ptr_nonnull(parent);
                        tok = next + 1;
                }
                ck_assert_int_eq(json_object_set_new(parent, tok, v), 0);
                problems = berth_validate(s, j);
                ck_assert_msg(problems != NULL, "%s: accepted", broken[i]);
                free(problems);
                json_decref(j);
        }
        schema_free(s);
}
END_TEST

/* ---- golden files -------------------------------------------------------- */

static char *cases[MAX_CASES];
static size_t ncases;

static int by_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The case directories under tests/fixtures/plan, sorted. */
static void cases_find(void)
{
        DIR *d = opendir(GOLDEN);
        struct dirent *e;
        struct stat st;
        char path[4096];

        if (!d)
                return;
        while ((e = readdir(d)) && ncases < MAX_CASES) {
                snprintf(path, sizeof(path), "%s/%s", GOLDEN, e->d_name);
                if (e->d_name[0] != '.' && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
                        cases[ncases++] = strdup(e->d_name);
        }
        closedir(d);
        qsort(cases, ncases, sizeof(cases[0]), by_name);
}

static bool exists(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0;
}

static const char *const no_environment[] = {NULL};

/* Load dir (relative to the case directory, the working directory) as
 * berth would with -f dir. */
static void load(struct manifest_set *set, const char *dir)
{
        struct manifest_load_opts opts = {.root = dir, .environ = no_environment};
        struct berth_err err = {0};

        ck_assert_msg(manifest_load(set, &opts, &err) == 0, "cannot load %s: %s", dir, err.msg);
}

/* "{{hash}}" and "{{applied}}" (from manifests/) and "{{hash before}}",
 * "{{applied before}}" (from before/) in a container's labels become the
 * labels exec would have put on a container of that service. */
static void labels_fill(json_t *containers, const struct model_state *now,
                        const struct model_state *before)
{
        const struct model_project *p;
        const struct model_service *s;
        const struct model_state *from;
        struct berth_err err = {0};
        json_t *c, *labels, *v;
        const char *key, *text, *project, *service;
        char hash[65], *applied;
        size_t i;

        json_array_foreach(containers, i, c)
        {
                labels = json_object_get(c, "Labels");
                project = json_string_value(json_object_get(labels, "berth.project"));
                service = json_string_value(json_object_get(labels, "berth.service"));
                json_object_foreach(labels, key, v)
                {
                        text = json_string_value(v);
                        if (!text || strncmp(text, "{{", 2) != 0)
                                continue;
                        from = strstr(text, " before}}") ? before : now;
                        ck_assert_msg(from, "%s: no before/ manifests", text);
                        p = project ? model_project_find(from, project) : NULL;
                        s = p && service ? model_service_find(p, service) : NULL;
                        ck_assert_msg(s, "%s: no service '%s' in project '%s'", text,
                                      service ? service : "", project ? project : "");
                        if (!strncmp(text, "{{hash", 6)) {
                                ck_assert_int_eq(model_service_hash(hash, p, s, &err), 0);
                                ck_assert_int_eq(json_string_set(v, hash), 0);
                        } else {
                                ck_assert_msg(!strncmp(text, "{{applied", 9), "%s?", text);
                                json_t *j = model_service_canonical(p, s, 1);

                                applied = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
                                ck_assert_ptr_nonnull(applied);
                                ck_assert_int_eq(json_string_set(v, applied), 0);
                                free(applied);
                                json_decref(j);
                        }
                }
        }
}

static struct actual_state *observe_case(const struct model_state *now,
                                         const struct model_state *before)
{
        struct actual_state *actual = NULL;
        struct berth_err err = {0};
        json_error_t e;
        json_t *j = json_load_file("actual.json", 0, &e);

        ck_assert_msg(j != NULL, "actual.json:%d:%d: %s", e.line, e.column, e.text);
        labels_fill(json_object_get(j, "containers"), now, before);
        ck_assert_msg(observe_from_json(&actual, "default", json_object_get(j, "containers"),
                                        json_object_get(j, "networks"),
                                        json_object_get(j, "volumes"), json_object_get(j, "images"),
                                        &err) == 0,
                      "actual.json: %s", err.msg);
        json_decref(j);
        return actual;
}

/* Compare text with the case's file name, or rewrite it. */
static void golden_check(const char *c, const char *name, const char *text)
{
        const char *update = getenv("BERTH_UPDATE_GOLDEN");
        size_t len;
        char *want;
        FILE *f;

        if (update && !strcmp(update, "1")) {
                if (!text[0]) {
                        ck_assert(unlink(name) == 0 || !exists(name));
                        return;
                }
                f = fopen(name, "we");
                ck_assert_msg(f && fputs(text, f) >= 0 && fclose(f) == 0, "cannot write %s/%s", c,
                              name);
                fprintf(stderr, "updated %s/%s\n", c, name);
                return;
        }
        want = exists(name) ? read_text(name, &len) : strdup("");
        if (strcmp(want, text) != 0)
                ck_abort_msg("%s/%s differs (BERTH_UPDATE_GOLDEN=1 rewrites it)\n--- want "
                             "---\n%s--- got ---\n%s--- end ---",
                             c, name, want, text);
        free(want);
}

START_TEST(golden)
{
        const char *c = cases[_i];
        struct manifest_set now, before = {0};
        struct actual_state *actual;
        struct diff_result *d = NULL;
        struct plan *p = NULL;
        struct plan_render_options o = {.scope = "default"};
        struct berth_err err = {0};
        const char *frozen[16];
        struct schema *s = plan_schema();
        char dir[4096], *text, *diags, *problems;
        size_t i, nfrozen = 0;
        json_t *j;

        snprintf(dir, sizeof(dir), "%s/%s", GOLDEN, c);
        ck_assert_msg(chdir(dir) == 0, "cannot enter %s", dir);
        load(&now, "manifests");
        for (i = 0; i < now.nfailed && nfrozen < N(frozen) - 1; i++)
                if (now.failed[i].project)
                        frozen[nfrozen++] = now.failed[i].project;
        frozen[nfrozen] = NULL;
        diags = diag_list_format(&now.diags);
        golden_check(c, "diagnostics.txt", diags);
        free(diags);
        if (exists("before")) {
                load(&before, "before");
                ck_assert_msg(before.diags.n == 0, "%s/before does not load cleanly", c);
        }
        actual = observe_case(now.state, before.state);
        {
                struct diff_options dopts = {.complete = now.complete,
                                             .frozen = frozen,
                                             .engine_networks = actual->engine_networks,
                                             .engine_volumes = actual->engine_volumes};

                ck_assert_msg(diff_compute(&d, now.state, actual, &dopts, &err) == 0, "%s: %s", c,
                              err.msg);
        }
        ck_assert_msg(plan_build(&p, d, actual, &err) == 0, "%s: %s", c, err.msg);

        text = render_text(p, false);
        golden_check(c, "expected.txt", text);
        free(text);

        j = plan_to_json(p, NULL, &o, 4, 0);
        ck_assert_ptr_nonnull(j);
        problems = berth_validate(s, j);
        ck_assert_msg(!problems, "%s: the plan JSON does not follow the schema:\n%s", c, problems);
        text = json_dumps(j, JSON_INDENT(2));
        ck_assert_ptr_nonnull(text);
        text = realloc(text, strlen(text) + 2);
        strcat(text, "\n");
        golden_check(c, "expected.json", text);
        free(text);

        json_decref(j);
        plan_free(p);
        diff_result_free(d);
        actual_state_free(actual);
        manifest_set_release(&before);
        manifest_set_release(&now);
        schema_free(s);
}
END_TEST

/* There are cases to run (an empty folder would make the loop vacuous). */
START_TEST(golden_cases_found)
{
        ck_assert_msg(ncases >= 9, "only %zu golden cases under %s", ncases, GOLDEN);
}
END_TEST

/* python-jsonschema agrees: every document above and every golden plan is
 * valid to it too, and the schema itself is a valid draft-07 schema. */
START_TEST(json_python_agrees)
{
        static const enum plan_status st[] = {PLAN_DONE,    PLAN_DONE,   PLAN_ROLLED_BACK,
                                              PLAN_SKIPPED, PLAN_FAILED, PLAN_INTERRUPTED};
        struct diff_result empty = {0};
        struct plan p = example_plan(), none = {.diff = &empty};
        struct plan_run run = make_run(st, N(st));
        json_t *docs = json_array();
        char *errout = NULL;
        size_t i;

        json_array_append_new(docs, to_json(&p, NULL));
        json_array_append_new(docs, to_json(&p, &run));
        json_array_append_new(docs, to_json(&none, NULL));
        example_ops[2].start_first = true;
        example_ops[2].temp_name = "shop-api-1-new";
        example_ops[2].note = "a note";
        json_array_append_new(docs, to_json(&p, NULL));
        for (i = 0; i < ncases; i++) { /* the golden plans, as committed */
                char file[4096];
                json_error_t e;
                json_t *g;

                snprintf(file, sizeof(file), "%s/%s/expected.json", GOLDEN, cases[i]);
                g = json_load_file(file, 0, &e);
                ck_assert_msg(g != NULL, "%s:%d: %s", file, e.line, e.text);
                json_array_append_new(docs, g);
        }
        ck_assert_msg(bt_jsonschema_check(PLAN_SCHEMA, docs, &errout) == 0,
                      "python-jsonschema refuses berth's plan JSON:\n%s", errout ? errout : "");
        json_decref(docs);
        free(errout);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("render");
        TCase *text = tcase_create("text"), *prog = tcase_create("progress"),
              *json = tcase_create("json"), *gold = tcase_create("golden");

        cases_find();

        tcase_add_test(text, text_every_symbol);
        tcase_add_test(text, text_start_first_and_note);
        tcase_add_test(text, text_stop_first_note);
        tcase_add_test(text, text_color);
        tcase_add_test(text, text_no_color_has_no_escape);
        tcase_add_test(text, text_no_changes);
        tcase_add_test(text, text_scope_named);
        tcase_add_test(text, text_only_completed_and_frozen);
        tcase_add_test(text, text_projects);
        tcase_add_test(text, text_count_line_parts);
        suite_add_tcase(s, text);

        tcase_add_test(prog, progress_done_lines);
        tcase_add_test(prog, progress_other_lines);
        tcase_add_test(prog, progress_color);
        tcase_add_test(prog, summary_complete);
        tcase_add_test(prog, summary_failed);
        tcase_add_test(prog, summary_interrupted);
        tcase_add_test(prog, summary_engine_lost);
        tcase_add_test(prog, summary_nothing);
        suite_add_tcase(s, prog);

        tcase_add_test(json, json_plan);
        tcase_add_test(json, json_start_first_note_and_conditions);
        tcase_add_test(json, json_no_changes);
        tcase_add_test(json, json_run);
        tcase_add_test(json, json_schema_refuses);
        tcase_add_test(json, json_python_agrees);
        suite_add_tcase(s, json);

        tcase_add_test(gold, golden_cases_found);
        tcase_add_loop_test(gold, golden, 0, (int)ncases);
        suite_add_tcase(s, gold);
        return bt_unit_main(s);
}
