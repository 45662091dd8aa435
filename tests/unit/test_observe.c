/* observe_from_json(), the Status parsers and actual_image_id(), without an
 * engine.  The fixtures in tests/fixtures/observe/ are the engine's own
 * answers (Docker 20.10.24, API 1.41; pretty-printed, otherwise as
 * received), captured with curl --unix-socket from objects made for them:
 *
 *   containers.json  GET /containers/json?all=1, filtered by the capture's
 *                    test-run label only, so it holds containers of scope
 *                    "fixture" and also one of scope "fixture-other" and
 *                    one with no berth label:
 *     created     shop/web/2   created, every berth.* label set
 *     running     shop/web/1   sleep
 *     killed      shop/web/3   docker kill: Exited (137)
 *     exit3       shop/job/1   sh -c 'exit 3'
 *     exit0       shop/job/2   true
 *     healthy     shop/db/1    healthcheck true every 1s
 *     unhealthy   shop/db/2    healthcheck false every 1s, 1 retry
 *     starting    shop/db/3    healthcheck every 300s: still starting
 *     paused      shop/cache/1 docker pause
 *     restarting  shop/flaky/1 restart always, exit 7; berth.temp=its name
 *     otherscope  scope fixture-other, shop/web/1
 *     nolabels    no berth label
 *   networks.json    GET /networks, same filter: shop_default and
 *                    shop_back of "fixture", other_default of
 *                    "fixture-other", one without berth labels
 *   volumes.json     GET /volumes, same filter: shop_data, shop_cache,
 *                    other_data, nolabels
 *   images.json      GET /images/json, unfiltered: berth-test/busybox
 *                    also tagged berthtest-obsfix/multi:a and :b,
 *                    docker.io/library/berthtest-obsfix-lib:1,
 *                    docker.io/berthtestobsfix/app:2 and
 *                    localhost:5000/berthtest-obsfix/app:3, and an
 *                    untagged image (<none>:<none>).
 *
 * Dead and removing containers cannot be made on demand; those entries
 * are written inline below, as are the malformed answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth_test.h"
#include "observe/observe.h"

#define FIXTURES BERTH_TEST_DATA "/fixtures/observe/"

#define BUSYBOX_ID "sha256:d673d04adbbc1ddf50bbaab0adcedf5ea76daaf2862fa7e850ffc5968b571437"

static json_t *load(const char *name)
{
        char path[512];
        json_error_t jerr;
        json_t *j;

        snprintf(path, sizeof(path), "%s%s", FIXTURES, name);
        j = json_load_file(path, 0, &jerr);
        ck_assert_msg(j, "%s:%d: %s", path, jerr.line, jerr.text);
        return j;
}

/* observe_from_json() over the four fixtures, which are freed before it
 * returns (the state must hold copies). */
static struct actual_state *observe_fixtures(const char *scope)
{
        json_t *c = load("containers.json"), *n = load("networks.json");
        json_t *v = load("volumes.json"), *i = load("images.json");
        struct actual_state *s = NULL;
        struct berth_err err;

        berth_err_clear(&err);
        ck_assert_msg(observe_from_json(&s, scope, c, n, v, i, &err) == 0, "%s", err.msg);
        json_decref(c);
        json_decref(n);
        json_decref(v);
        json_decref(i);
        ck_assert_ptr_nonnull(s);
        ck_assert_str_eq(s->scope, scope);
        return s;
}

static json_t *parse(const char *text)
{
        json_error_t jerr;
        json_t *j = json_loads(text, 0, &jerr);

        ck_assert_msg(j, "test JSON: %s: %s", text, jerr.text);
        return j;
}

/* observe_from_json() over inline answers; returns its result. */
static int observe_text(struct actual_state **out, const char *scope, const char *containers,
                        const char *networks, const char *volumes, const char *images,
                        struct berth_err *err)
{
        json_t *c = parse(containers), *n = parse(networks), *v = parse(volumes);
        json_t *i = parse(images);
        int r;

        berth_err_clear(err);
        *out = (struct actual_state *)1; /* must be reset */
        r = observe_from_json(out, scope, c, n, v, i, err);
        json_decref(c);
        json_decref(n);
        json_decref(v);
        json_decref(i);
        return r;
}

/* One container entry in scope "s" with the given labels (a JSON object
 * body without braces, may be ""), state and status. */
static const char *entry(char *buf, size_t size, const char *name, const char *labels,
                         const char *state, const char *status)
{
        snprintf(buf, size,
                 "{\"Id\":\"id-%s\",\"Names\":[\"/%s\"],\"Image\":\"app:1\","
                 "\"ImageID\":\"sha256:1\",\"State\":\"%s\",\"Status\":\"%s\","
                 "\"Labels\":{\"berth.scope\":\"s\"%s%s}}",
                 name, name, state, status, *labels ? "," : "", labels);
        return buf;
}

/* One container (in scope "s") from entry(); fails the test otherwise. */
static struct actual_state *observe_one(const char *labels, const char *state, const char *status)
{
        char e[1024], list[1100];
        struct actual_state *s = NULL;
        struct berth_err err;

        snprintf(list, sizeof(list), "[%s]", entry(e, sizeof(e), "c", labels, state, status));
        ck_assert_msg(observe_text(&s, "s", list, "[]", "{\"Volumes\":[]}", "[]", &err) == 0, "%s",
                      err.msg);
        ck_assert_uint_eq(s->ncontainers, 1);
        return s;
}

/* ---- containers from the captured answer ------------------------------ */

START_TEST(fixture_containers_of_the_scope_in_order_with_state)
{
        static const struct {
                const char *name, *service;
                int replica;
                enum actual_run_state state;
                int exit_code;
                enum actual_health health;
                int temp;
        } want[] = {
            /* sorted by project, service, replica, name */
            {"paused", "cache", 1, ACTUAL_PAUSED, -1, ACTUAL_HEALTH_NONE, 0},
            {"healthy", "db", 1, ACTUAL_RUNNING, -1, ACTUAL_HEALTH_HEALTHY, 0},
            {"unhealthy", "db", 2, ACTUAL_RUNNING, -1, ACTUAL_HEALTH_UNHEALTHY, 0},
            {"starting", "db", 3, ACTUAL_RUNNING, -1, ACTUAL_HEALTH_STARTING, 0},
            {"restarting", "flaky", 1, ACTUAL_RESTARTING, 7, ACTUAL_HEALTH_NONE, 1},
            {"exit3", "job", 1, ACTUAL_EXITED, 3, ACTUAL_HEALTH_NONE, 0},
            {"exit0", "job", 2, ACTUAL_EXITED, 0, ACTUAL_HEALTH_NONE, 0},
            {"running", "web", 1, ACTUAL_RUNNING, -1, ACTUAL_HEALTH_NONE, 0},
            {"created", "web", 2, ACTUAL_CREATED, -1, ACTUAL_HEALTH_NONE, 0},
            {"killed", "web", 3, ACTUAL_EXITED, 137, ACTUAL_HEALTH_NONE, 0},
        };
        struct actual_state *s = observe_fixtures("fixture");
        char name[128];
        size_t i;

        ck_assert_uint_eq(s->ncontainers, sizeof(want) / sizeof(want[0]));
        for (i = 0; i < s->ncontainers; i++) {
                const struct actual_container *c = &s->containers[i];

                snprintf(name, sizeof(name), "berthtest-obsfix-%s", want[i].name);
                ck_assert_str_eq(c->name, name);
                ck_assert_str_eq(c->project, "shop");
                ck_assert_str_eq(c->service, want[i].service);
                ck_assert_int_eq(c->replica, want[i].replica);
                ck_assert_msg(c->state == want[i].state, "%s: state %d", name, c->state);
                ck_assert_msg(c->exit_code == want[i].exit_code, "%s: exit %d", name, c->exit_code);
                ck_assert_msg(c->health == want[i].health, "%s: health %d", name, c->health);
                ck_assert_int_eq(c->temp, want[i].temp);
                ck_assert_uint_eq(strlen(c->id), 64);
                ck_assert_str_eq(c->image, "berth-test/busybox:latest");
                ck_assert_str_eq(c->image_id, BUSYBOX_ID);
                ck_assert_str_eq(actual_container_label(c, "berth.scope"), "fixture");
        }
        actual_state_free(s);
}
END_TEST

START_TEST(fixture_labels_are_all_there_sorted_and_typed)
{
        struct actual_state *s = observe_fixtures("fixture");
        const struct actual_container *created = NULL, *running = NULL;
        static const char *const keys[] = {"berth.applied", "berth.config-hash", "berth.project",
                                           "berth.replica", "berth.revision",    "berth.scope",
                                           "berth.service", "berth.source",      "berth.test-run"};
        size_t i, k;

        for (i = 0; i < s->ncontainers; i++) {
                if (!strcmp(s->containers[i].name, "berthtest-obsfix-created"))
                        created = &s->containers[i];
                if (!strcmp(s->containers[i].name, "berthtest-obsfix-running"))
                        running = &s->containers[i];
                for (k = 1; k < s->containers[i].nlabels; k++)
                        ck_assert_int_lt(strcmp(s->containers[i].labels[k - 1].key,
                                                s->containers[i].labels[k].key),
                                         0);
        }
        ck_assert_ptr_nonnull(created);
        ck_assert_ptr_nonnull(running);
        ck_assert_str_eq(created->id,
                         "d1bf024bbc16feb77bb334b789322201f03a0427f78f68ad61b349491ff9744d");
        ck_assert_uint_eq(created->nlabels, sizeof(keys) / sizeof(keys[0]));
        for (i = 0; i < created->nlabels; i++)
                ck_assert_str_eq(created->labels[i].key, keys[i]);
        ck_assert_str_eq(created->config_hash, "abc123");
        ck_assert_str_eq(created->applied, "{\"image\":\"busybox\"}");
        ck_assert_str_eq(created->source, "shop.yaml");
        ck_assert_str_eq(created->revision, "deadbeef");
        ck_assert_str_eq(actual_container_label(created, "berth.test-run"), "obsfix");
        ck_assert_str_eq(actual_container_label(created, "berth.applied"), created->applied);
        ck_assert_ptr_null(actual_container_label(created, "berth.temp"));
        ck_assert_ptr_null(actual_container_label(created, "berth"));
        ck_assert_ptr_null(actual_container_label(created, ""));
        /* labels that are not there read as "", never NULL */
        ck_assert_str_eq(running->config_hash, "");
        ck_assert_str_eq(running->applied, "");
        ck_assert_str_eq(running->source, "");
        ck_assert_str_eq(running->revision, "");
        ck_assert_uint_eq(running->nlabels, 5);
        for (i = 1; i < running->nlabels; i++)
                ck_assert_int_lt(strcmp(running->labels[i - 1].key, running->labels[i].key), 0);
        actual_state_free(s);
}
END_TEST

START_TEST(fixture_other_scope_sees_only_its_own)
{
        struct actual_state *s = observe_fixtures("fixture-other");

        ck_assert_uint_eq(s->ncontainers, 1);
        ck_assert_str_eq(s->containers[0].name, "berthtest-obsfix-otherscope");
        ck_assert_int_eq(s->containers[0].state, ACTUAL_CREATED);
        ck_assert_int_eq(s->containers[0].replica, 1);
        ck_assert_uint_eq(s->nnetworks, 1);
        ck_assert_str_eq(s->networks[0].name, "berthtest-obsfix-other_default");
        ck_assert_uint_eq(s->nvolumes, 1);
        ck_assert_str_eq(s->volumes[0].name, "berthtest-obsfix-other_data");
        actual_state_free(s);
}
END_TEST

/* The scope label must be exactly the scope: not a prefix, not another
 * case, not missing. */
START_TEST(fixture_scope_matches_exactly)
{
        static const char *const scopes[] = {"fixtur", "Fixture", "fixture-", "default", "obsfix"};
        size_t i;

        for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
                struct actual_state *s = observe_fixtures(scopes[i]);

                ck_assert_msg(s->ncontainers == 0 && s->nnetworks == 0 && s->nvolumes == 0,
                              "scope %s: %zu containers, %zu networks, %zu volumes", scopes[i],
                              s->ncontainers, s->nnetworks, s->nvolumes);
                /* images are not scoped */
                ck_assert_uint_gt(s->nimages, 0);
                actual_state_free(s);
        }
}
END_TEST

START_TEST(fixture_networks_and_volumes_sorted_with_keys)
{
        struct actual_state *s = observe_fixtures("fixture");

        ck_assert_uint_eq(s->nnetworks, 2);
        ck_assert_str_eq(s->networks[0].name, "berthtest-obsfix-shop_back");
        ck_assert_str_eq(s->networks[0].id,
                         "cf18144b09c603112fd643787d8d8f27a84667fb0a84b2d25d59e7f199097eaa");
        ck_assert_str_eq(s->networks[0].project, "shop");
        ck_assert_str_eq(s->networks[0].key, "back");
        ck_assert_str_eq(s->networks[1].name, "berthtest-obsfix-shop_default");
        ck_assert_str_eq(s->networks[1].key, "default");
        ck_assert_uint_eq(s->nvolumes, 2);
        ck_assert_str_eq(s->volumes[0].name, "berthtest-obsfix-shop_cache");
        ck_assert_str_eq(s->volumes[0].project, "shop");
        ck_assert_str_eq(s->volumes[0].key, "cache");
        ck_assert_str_eq(s->volumes[1].name, "berthtest-obsfix-shop_data");
        ck_assert_str_eq(s->volumes[1].key, "data");
        actual_state_free(s);
}
END_TEST

/* ---- images ------------------------------------------------------------ */

START_TEST(fixture_images_every_tag_sorted_untagged_skipped)
{
        struct actual_state *s = observe_fixtures("fixture");
        size_t i, busybox = 0;

        for (i = 0; i < s->nimages; i++) {
                ck_assert_msg(!strstr(s->images[i].tag, "<none>"), "%s", s->images[i].tag);
                ck_assert_msg(!strncmp(s->images[i].id, "sha256:", 7), "%s", s->images[i].id);
                if (i)
                        ck_assert_int_lt(strcmp(s->images[i - 1].tag, s->images[i].tag), 0);
                if (!strcmp(s->images[i].id, BUSYBOX_ID))
                        busybox++;
        }
        /* berth-test/busybox:latest and its five other tags */
        ck_assert_uint_eq(busybox, 6);
        /* the two other images of the capture, one tag each; the
         * untagged one left out */
        ck_assert_uint_eq(s->nimages, 8);
        actual_state_free(s);
}
END_TEST

START_TEST(image_id_by_reference_in_every_spelling)
{
        static const struct {
                const char *ref;
                int found;
        } refs[] = {
            {"berth-test/busybox:latest", 1},
            {"berth-test/busybox", 1}, /* no tag: latest */
            {"docker.io/berth-test/busybox:latest", 1},
            {"index.docker.io/berth-test/busybox", 1},
            {"berthtest-obsfix/multi:a", 1},
            {"berthtest-obsfix/multi:b", 1},
            {"berthtest-obsfix/multi", 0}, /* there is no :latest */
            {"berthtest-obsfix/multi:c", 0},
            {"berthtest-obsfix-lib:1", 1},
            {"library/berthtest-obsfix-lib:1", 1},
            {"docker.io/library/berthtest-obsfix-lib:1", 1},
            {"index.docker.io/library/berthtest-obsfix-lib:1", 1},
            {"docker.io/berthtest-obsfix-lib:1", 1},
            {"berthtest-obsfix-lib", 0},
            {"berthtestobsfix/app:2", 1},
            {"docker.io/berthtestobsfix/app:2", 1},
            {"localhost:5000/berthtest-obsfix/app:3", 1},
            {"localhost:5000/berthtest-obsfix/app", 0}, /* port, not tag: :latest */
            {"berthtest-obsfix/app:3", 0},
            /* digests are not in RepoTags */
            {"berth-test/busybox@" BUSYBOX_ID, 0},
            {"berth-test/busybox:latest@" BUSYBOX_ID, 0},
            {"<none>:<none>", 0},
            {"", 0},
        };
        struct actual_state *s = observe_fixtures("fixture");
        const char *id;
        size_t i;

        for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
                id = actual_image_id(s, refs[i].ref);
                if (refs[i].found)
                        ck_assert_msg(id && !strcmp(id, BUSYBOX_ID), "%s: %s", refs[i].ref,
                                      id ? id : "NULL");
                else
                        ck_assert_msg(!id, "%s: %s", refs[i].ref, id);
        }
        ck_assert_ptr_null(actual_image_id(s, NULL));
        ck_assert_ptr_null(actual_image_id(NULL, "berth-test/busybox"));
        actual_state_free(s);
        actual_state_free(NULL);
}
END_TEST

START_TEST(image_id_with_no_images)
{
        struct actual_state *s = NULL;
        struct berth_err err;

        ck_assert_int_eq(observe_text(&s, "s", "[]", "[]", "{\"Volumes\":null}",
                                      "[{\"Id\":\"sha256:9\",\"RepoTags\":null},"
                                      "{\"Id\":\"sha256:8\",\"RepoTags\":[\"<none>:<none>\"]}]",
                                      &err),
                         0);
        ck_assert_uint_eq(s->nimages, 0);
        ck_assert_uint_eq(s->nvolumes, 0);
        ck_assert_ptr_null(actual_image_id(s, "busybox"));
        actual_state_free(s);
}
END_TEST

/* ---- Status, State and labels ----------------------------------------- */

START_TEST(exit_code_from_status)
{
        static const struct {
                const char *status;
                int code;
        } cases[] = {
            {"Exited (0) 5 seconds ago", 0},
            {"Exited (137) About a minute ago", 137},
            {"Exited (255) 2 weeks ago", 255},
            {"Restarting (7) Less than a second ago", 7},
            {"Exited (2147483647) now", 2147483647},
            {"Exited (2147483648) now", -1},
            {"Exited (99999999999999999999) now", -1},
            {"Exited () now", -1},
            {"Exited (", -1},
            {"Exited (12", -1},
            {"Exited (-1) now", -1},
            {"Exited (1x) now", -1},
            {"exited (1) now", -1},
            {" Exited (1) now", -1},
            {"Up 5 seconds", -1},
            {"Up 5 seconds (Paused)", -1},
            {"Created", -1},
            {"Dead", -1},
            {"Removal In Progress", -1},
            {"", -1},
        };
        size_t i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                ck_assert_msg(observe_parse_exit_code(cases[i].status) == cases[i].code, "'%s': %d",
                              cases[i].status, observe_parse_exit_code(cases[i].status));
        ck_assert_int_eq(observe_parse_exit_code(NULL), -1);
}
END_TEST

START_TEST(health_from_status)
{
        static const struct {
                const char *status;
                enum actual_health health;
        } cases[] = {
            {"Up 5 seconds (healthy)", ACTUAL_HEALTH_HEALTHY},
            {"Up About a minute (healthy)", ACTUAL_HEALTH_HEALTHY},
            {"Up 2 hours (unhealthy)", ACTUAL_HEALTH_UNHEALTHY},
            {"Up Less than a second (health: starting)", ACTUAL_HEALTH_STARTING},
            {"Up 5 seconds", ACTUAL_HEALTH_NONE},
            {"Up 5 seconds (Paused)", ACTUAL_HEALTH_NONE},
            {"Exited (0) 5 seconds ago", ACTUAL_HEALTH_NONE},
            {"Restarting (1) 1 second ago", ACTUAL_HEALTH_NONE},
            {"Up 5 seconds healthy", ACTUAL_HEALTH_NONE},
            {"Created", ACTUAL_HEALTH_NONE},
            {"", ACTUAL_HEALTH_NONE},
        };
        size_t i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                ck_assert_msg(observe_parse_health(cases[i].status) == cases[i].health, "'%s': %d",
                              cases[i].status, observe_parse_health(cases[i].status));
        ck_assert_int_eq(observe_parse_health(NULL), ACTUAL_HEALTH_NONE);
}
END_TEST

START_TEST(every_state_name)
{
        static const struct {
                const char *name;
                enum actual_run_state state;
        } cases[] = {
            {"created", ACTUAL_CREATED},   {"running", ACTUAL_RUNNING},
            {"paused", ACTUAL_PAUSED},     {"restarting", ACTUAL_RESTARTING},
            {"exited", ACTUAL_EXITED},     {"dead", ACTUAL_DEAD},
            {"removing", ACTUAL_REMOVING}, {"Running", ACTUAL_UNKNOWN},
            {"stopped", ACTUAL_UNKNOWN},   {"", ACTUAL_UNKNOWN},
        };
        size_t i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct actual_state *s = observe_one("", cases[i].name, "Dead");

                ck_assert_msg(s->containers[0].state == cases[i].state, "'%s': %d", cases[i].name,
                              s->containers[0].state);
                actual_state_free(s);
        }
}
END_TEST

START_TEST(state_and_status_may_be_missing)
{
        struct actual_state *s = NULL;
        struct berth_err err;

        ck_assert_int_eq(observe_text(&s, "s",
                                      "[{\"Id\":\"x\",\"Names\":[\"/x\"],"
                                      "\"Labels\":{\"berth.scope\":\"s\"}}]",
                                      "[]", "{\"Volumes\":[]}", "[]", &err),
                         0);
        ck_assert_uint_eq(s->ncontainers, 1);
        ck_assert_int_eq(s->containers[0].state, ACTUAL_UNKNOWN);
        ck_assert_int_eq(s->containers[0].exit_code, -1);
        ck_assert_int_eq(s->containers[0].health, ACTUAL_HEALTH_NONE);
        ck_assert_str_eq(s->containers[0].image, "");
        ck_assert_str_eq(s->containers[0].image_id, "");
        ck_assert_str_eq(s->containers[0].project, "");
        ck_assert_str_eq(s->containers[0].service, "");
        ck_assert_int_eq(s->containers[0].replica, 0);
        ck_assert_str_eq(actual_container_label(&s->containers[0], "berth.scope"), "s");
        ck_assert_ptr_null(actual_container_label(&s->containers[0], "berth.project"));
        actual_state_free(s);
}
END_TEST

/* berth.replica is a canonical decimal 1..1000000 (else 0); berth.temp
 * counts only when it is the container's own name (a replacement that was
 * never renamed). */
START_TEST(replica_and_temp_labels_are_typed)
{
        static const struct {
                const char *labels;
                int replica, temp;
        } cases[] = {
            {"\"berth.replica\":\"1\"", 1, 0},
            {"\"berth.replica\":\"9\"", 9, 0},
            {"\"berth.replica\":\"42\"", 42, 0},
            {"\"berth.replica\":\"1000000\"", 1000000, 0},
            {"\"berth.replica\":\"1000001\"", 0, 0},
            {"\"berth.replica\":\"0\"", 0, 0},
            {"\"berth.replica\":\"01\"", 0, 0},
            {"\"berth.replica\":\"-1\"", 0, 0},
            {"\"berth.replica\":\"+1\"", 0, 0},
            {"\"berth.replica\":\"1a\"", 0, 0},
            {"\"berth.replica\":\" 1\"", 0, 0},
            {"\"berth.replica\":\"1 \"", 0, 0},
            {"\"berth.replica\":\"\"", 0, 0},
            {"\"berth.replica\":\"0x10\"", 0, 0},
            {"\"berth.replica\":\"99999999999999999999\"", 0, 0},
            {"\"berth.replica\":\"2\",\"berth.temp\":\"c\"", 2, 1},
            {"\"berth.temp\":\"1\"", 0, 0},
            {"\"berth.temp\":\"c-berth-new\"", 0, 0},
            {"\"berth.temp\":\"0\"", 0, 0},
            {"\"berth.temp\":\"\"", 0, 0},
            {"\"berth.temp\":\"true\"", 0, 0},
            {"", 0, 0},
        };
        size_t i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct actual_state *s = observe_one(cases[i].labels, "running", "Up 1 second");

                ck_assert_msg(s->containers[0].replica == cases[i].replica &&
                                  s->containers[0].temp == cases[i].temp,
                              "%s: replica %d temp %d", cases[i].labels, s->containers[0].replica,
                              s->containers[0].temp);
                actual_state_free(s);
        }
}
END_TEST

/* Links give a container more names ("/web/db"); its own has one '/'. */
START_TEST(own_name_among_link_names)
{
        struct actual_state *s = NULL;
        struct berth_err err;

        ck_assert_int_eq(observe_text(&s, "s",
                                      "[{\"Id\":\"x\",\"Names\":[\"/web/db\",\"/db\"],"
                                      "\"Labels\":{\"berth.scope\":\"s\"}},"
                                      "{\"Id\":\"y\",\"Names\":[\"/a/b\"],"
                                      "\"Labels\":{\"berth.scope\":\"s\"}}]",
                                      "[]", "{\"Volumes\":[]}", "[]", &err),
                         0);
        ck_assert_uint_eq(s->ncontainers, 2);
        ck_assert_str_eq(s->containers[0].name, "a/b"); /* only that one: kept as it is */
        ck_assert_str_eq(s->containers[1].name, "db");
        actual_state_free(s);
}
END_TEST

/* Sorted by project, service, then replica as a number, then name. */
START_TEST(containers_sort_by_identity)
{
        static const char *const order[] = {"a-x-2", "a-x-10", "a-x-10b", "a-y-1", "b-x-1", "n-0"};
        char list[4096], e[512];
        struct actual_state *s = NULL;
        struct berth_err err;
        size_t i;

        snprintf(list, sizeof(list), "[%s,",
                 entry(e, sizeof(e), "b-x-1",
                       "\"berth.project\":\"b\",\"berth.service\":"
                       "\"x\",\"berth.replica\":\"1\"",
                       "running", ""));
        strcat(list, entry(e, sizeof(e), "a-x-10b",
                           "\"berth.project\":\"a\",\"berth.service\":\"x\",\"berth.replica\":"
                           "\"10\"",
                           "running", ""));
        strcat(list, ",");
        strcat(list, entry(e, sizeof(e), "a-y-1",
                           "\"berth.project\":\"a\",\"berth.service\":\"y\",\"berth.replica\":"
                           "\"1\"",
                           "running", ""));
        strcat(list, ",");
        strcat(list, entry(e, sizeof(e), "a-x-10",
                           "\"berth.project\":\"a\",\"berth.service\":\"x\",\"berth.replica\":"
                           "\"10\"",
                           "running", ""));
        strcat(list, ",");
        strcat(list, entry(e, sizeof(e), "n-0", "", "running", ""));
        strcat(list, ",");
        strcat(list, entry(e, sizeof(e), "a-x-2",
                           "\"berth.project\":\"a\",\"berth.service\":\"x\",\"berth.replica\":"
                           "\"2\"",
                           "running", ""));
        strcat(list, "]");
        ck_assert_msg(observe_text(&s, "s", list, "[]", "{\"Volumes\":[]}", "[]", &err) == 0, "%s",
                      err.msg);
        ck_assert_uint_eq(s->ncontainers, 6);
        /* "" (no project) sorts first */
        ck_assert_str_eq(s->containers[0].name, order[5]);
        for (i = 0; i < 5; i++)
                ck_assert_str_eq(s->containers[i + 1].name, order[i]);
        actual_state_free(s);
}
END_TEST

/* ---- malformed answers ------------------------------------------------- */

START_TEST(malformed_answers_are_eproto_naming_the_problem)
{
        static const struct {
                const char *containers, *networks, *volumes, *images, *msg;
        } cases[] = {
            {"{}", "[]", "{\"Volumes\":[]}", "[]", "cannot read the container list: not an array"},
            {"[{\"Id\":\"a\",\"Names\":[\"/a\"]},{\"Id\":\"b\",\"Names\":[\"/b\"]},"
             "{\"Id\":\"c\",\"Names\":[\"/c\"]},{\"Id\":\"d\"}]",
             "[]", "{\"Volumes\":[]}", "[]",
             "cannot read the container list: entry 3 has no Names"},
            {"[7]", "[]", "{\"Volumes\":[]}", "[]",
             "cannot read the container list: entry 0 is not an object"},
            {"[{\"Id\":\"a\",\"Names\":[]}]", "[]", "{\"Volumes\":[]}", "[]",
             "cannot read the container list: entry 0 has no Names"},
            {"[{\"Id\":\"a\",\"Names\":\"/a\"}]", "[]", "{\"Volumes\":[]}", "[]",
             "cannot read the container list: entry 0: Names is not an array"},
            {"[{\"Id\":\"a\",\"Names\":[\"/a\",3]}]", "[]", "{\"Volumes\":[]}", "[]",
             "cannot read the container list: entry 0: Names[1] is not a string"},
            {"[{\"Names\":[\"/a\"]}]", "[]", "{\"Volumes\":[]}", "[]",
             "cannot read the container list: entry 0 ('a') has no Id"},
            {"[{\"Id\":\"a\",\"Names\":[\"/a\"],\"Labels\":[]}]", "[]", "{\"Volumes\":[]}", "[]",
             "cannot read the container list: entry 0 ('a'): Labels is not an object"},
            {"[{\"Id\":\"a\",\"Names\":[\"/a\"],\"Labels\":{\"berth.scope\":1}}]", "[]",
             "{\"Volumes\":[]}", "[]",
             "cannot read the container list: entry 0 ('a'): label 'berth.scope' is not a "
             "string"},
            {"[{\"Id\":\"a\",\"Names\":[\"/a\"],\"State\":1}]", "[]", "{\"Volumes\":[]}", "[]",
             "cannot read the container list: entry 0 ('a'): State is not a string"},
            {"[]", "{}", "{\"Volumes\":[]}", "[]", "cannot read the network list: not an array"},
            {"[]", "[{\"Id\":\"n\"}]", "{\"Volumes\":[]}", "[]",
             "cannot read the network list: entry 0 has no Name"},
            {"[]", "[{\"Name\":\"n\"}]", "{\"Volumes\":[]}", "[]",
             "cannot read the network list: entry 0 ('n') has no Id"},
            {"[]", "[{\"Name\":\"n\",\"Id\":\"i\",\"Labels\":\"x\"}]", "{\"Volumes\":[]}", "[]",
             "cannot read the network list: entry 0 ('n'): Labels is not an object"},
            {"[]", "[]", "[]", "[]", "cannot read the volume list: not an object"},
            {"[]", "[]", "{}", "[]", "cannot read the volume list: Volumes is not an array"},
            {"[]", "[]", "{\"Volumes\":[null]}", "[]",
             "cannot read the volume list: entry 0 is not an object"},
            {"[]", "[]", "{\"Volumes\":[{\"Name\":\"v\",\"Labels\":{\"k\":null}}]}", "[]",
             "cannot read the volume list: entry 0 ('v'): label 'k' is not a string"},
            {"[]", "[]", "{\"Volumes\":[]}", "{}", "cannot read the image list: not an array"},
            {"[]", "[]", "{\"Volumes\":[]}", "[{\"RepoTags\":[\"a:1\"]}]",
             "cannot read the image list: entry 0 has no Id"},
            {"[]", "[]", "{\"Volumes\":[]}", "[{\"Id\":\"i\",\"RepoTags\":\"a:1\"}]",
             "cannot read the image list: entry 0: RepoTags is not an array"},
            {"[]", "[]", "{\"Volumes\":[]}", "[{\"Id\":\"i\",\"RepoTags\":[\"a:1\",null]}]",
             "cannot read the image list: entry 0: RepoTags[1] is not a string"},
            {"[]", "[]", "{\"Volumes\":[]}", "[\"sha256:1\"]",
             "cannot read the image list: entry 0 is not an object"},
        };
        struct actual_state *s;
        struct berth_err err;
        size_t i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int r = observe_text(&s, "s", cases[i].containers, cases[i].networks,
                                     cases[i].volumes, cases[i].images, &err);

                ck_assert_msg(r == BERTH_EPROTO, "case %zu: %d", i, r);
                ck_assert_int_eq(err.code, BERTH_EPROTO);
                ck_assert_str_eq(err.msg, cases[i].msg);
                ck_assert_ptr_null(s);
        }
}
END_TEST

/* A malformed entry of another scope is still an error: the answer as a
 * whole is not what the API says. */
START_TEST(malformed_entry_of_another_scope_is_an_error)
{
        struct actual_state *s;
        struct berth_err err;

        ck_assert_int_eq(observe_text(&s, "s",
                                      "[{\"Id\":\"a\",\"Names\":[\"/a\"],"
                                      "\"Labels\":{\"berth.scope\":\"other\"},\"Image\":[]}]",
                                      "[]", "{\"Volumes\":[]}", "[]", &err),
                         BERTH_EPROTO);
        ck_assert_str_eq(err.msg,
                         "cannot read the container list: entry 0 ('a'): Image is not a string");
        ck_assert_ptr_null(s);
}
END_TEST

START_TEST(null_labels_or_other_scope_are_dropped)
{
        struct actual_state *s;
        struct berth_err err;

        ck_assert_int_eq(
            observe_text(&s, "s",
                         "[{\"Id\":\"a\",\"Names\":[\"/a\"],\"Labels\":null},"
                         "{\"Id\":\"b\",\"Names\":[\"/b\"]},"
                         "{\"Id\":\"c\",\"Names\":[\"/c\"],\"Labels\":{\"berth.scope\":\"s \"}},"
                         "{\"Id\":\"d\",\"Names\":[\"/d\"],\"Labels\":{\"berth.scope\":\"S\"}},"
                         "{\"Id\":\"e\",\"Names\":[\"/e\"],\"Labels\":{\"berth.scope\":\"s\"}}]",
                         "[{\"Name\":\"n1\",\"Id\":\"1\",\"Labels\":{}},"
                         "{\"Name\":\"n2\",\"Id\":\"2\",\"Labels\":{\"berth.scope\":\"s\"}}]",
                         "{\"Volumes\":[{\"Name\":\"v1\",\"Labels\":null},"
                         "{\"Name\":\"v2\",\"Labels\":{\"berth.scope\":\"s\"}}]}",
                         "[]", &err),
            0);
        ck_assert_uint_eq(s->ncontainers, 1);
        ck_assert_str_eq(s->containers[0].id, "e");
        ck_assert_uint_eq(s->nnetworks, 1);
        ck_assert_str_eq(s->networks[0].name, "n2");
        ck_assert_str_eq(s->networks[0].project, "");
        ck_assert_str_eq(s->networks[0].key, "");
        ck_assert_uint_eq(s->nvolumes, 1);
        ck_assert_str_eq(s->volumes[0].name, "v2");
        actual_state_free(s);
}
END_TEST

START_TEST(empty_scope_is_invalid)
{
        struct actual_state *s;
        struct berth_err err;

        ck_assert_int_eq(observe_text(&s, "", "[]", "[]", "{\"Volumes\":[]}", "[]", &err),
                         BERTH_EINVALID);
        ck_assert_str_eq(err.msg, "cannot observe: the scope is empty");
        ck_assert_ptr_null(s);
        ck_assert_int_eq(observe_text(&s, NULL, "[]", "[]", "{\"Volumes\":[]}", "[]", &err),
                         BERTH_EINVALID);
        ck_assert_ptr_null(s);
}
END_TEST

START_TEST(host_ports_and_depends_on_label)
{
        static const char containers[] =
            "[{\"Id\":\"1\",\"Names\":[\"/c\"],\"State\":\"running\","
            "\"Labels\":{\"berth.scope\":\"s\",\"berth.depends-on\":\"db,cache\"},"
            "\"Ports\":[{\"PrivatePort\":80,\"Type\":\"tcp\"},"
            "{\"IP\":\"0.0.0.0\",\"PrivatePort\":80,\"PublicPort\":8080,\"Type\":\"tcp\"},"
            "{\"IP\":\"127.0.0.1\",\"PrivatePort\":53,\"PublicPort\":5353,\"Type\":\"udp\"}]}]";
        struct actual_state *s;
        struct berth_err err;

        ck_assert_msg(observe_text(&s, "s", containers, "[]", "{\"Volumes\":[]}", "[]", &err) == 0,
                      "%s", err.msg);
        ck_assert_uint_eq(s->containers[0].nports, 2); /* the exposed-only one holds nothing */
        ck_assert_str_eq(s->containers[0].ports[0].ip, "0.0.0.0");
        ck_assert_int_eq(s->containers[0].ports[0].port, 8080);
        ck_assert_str_eq(s->containers[0].ports[0].proto, "tcp");
        ck_assert_str_eq(s->containers[0].ports[1].ip, "127.0.0.1");
        ck_assert_int_eq(s->containers[0].ports[1].port, 5353);
        ck_assert_str_eq(s->containers[0].ports[1].proto, "udp");
        ck_assert_str_eq(s->containers[0].depends_on, "db,cache");
        actual_state_free(s);
        ck_assert_int_eq(observe_text(&s, "s",
                                      "[{\"Id\":\"1\",\"Names\":[\"/c\"],\"Ports\":{},"
                                      "\"Labels\":{\"berth.scope\":\"s\"}}]",
                                      "[]", "{\"Volumes\":[]}", "[]", &err),
                         BERTH_EPROTO);
        ck_assert_str_eq(
            err.msg,
            "cannot read the container list: entry 0 ('c') has Ports that are not an array");
}
END_TEST

/* Every network and volume name is kept, owned or not: external ones are
 * checked against them. */
START_TEST(engine_names_of_every_network_and_volume)
{
        struct actual_state *s;
        struct berth_err err;

        ck_assert_msg(observe_text(&s, "s", "[]",
                                   "[{\"Name\":\"proxy\",\"Id\":\"n1\"},"
                                   "{\"Name\":\"shop_default\",\"Id\":\"n2\","
                                   "\"Labels\":{\"berth.scope\":\"s\"}}]",
                                   "{\"Volumes\":[{\"Name\":\"certs\"}]}", "[]", &err) == 0,
                      "%s", err.msg);
        ck_assert_uint_eq(s->nnetworks, 1);
        ck_assert_str_eq(s->engine_networks[0], "proxy");
        ck_assert_str_eq(s->engine_networks[1], "shop_default");
        ck_assert_ptr_null(s->engine_networks[2]);
        ck_assert_uint_eq(s->nvolumes, 0);
        ck_assert_str_eq(s->engine_volumes[0], "certs");
        ck_assert_ptr_null(s->engine_volumes[1]);
        actual_state_free(s);
        ck_assert_msg(observe_text(&s, "s", "[]", "[]", "{\"Volumes\":null}", "[]", &err) == 0,
                      "%s", err.msg);
        ck_assert_ptr_nonnull(s->engine_volumes);
        ck_assert_ptr_null(s->engine_volumes[0]);
        actual_state_free(s);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("observe");
        TCase *tc = tcase_create("observe");

        tcase_add_test(tc, fixture_containers_of_the_scope_in_order_with_state);
        tcase_add_test(tc, fixture_labels_are_all_there_sorted_and_typed);
        tcase_add_test(tc, fixture_other_scope_sees_only_its_own);
        tcase_add_test(tc, fixture_scope_matches_exactly);
        tcase_add_test(tc, fixture_networks_and_volumes_sorted_with_keys);
        tcase_add_test(tc, fixture_images_every_tag_sorted_untagged_skipped);
        tcase_add_test(tc, image_id_by_reference_in_every_spelling);
        tcase_add_test(tc, image_id_with_no_images);
        tcase_add_test(tc, exit_code_from_status);
        tcase_add_test(tc, health_from_status);
        tcase_add_test(tc, every_state_name);
        tcase_add_test(tc, state_and_status_may_be_missing);
        tcase_add_test(tc, replica_and_temp_labels_are_typed);
        tcase_add_test(tc, own_name_among_link_names);
        tcase_add_test(tc, containers_sort_by_identity);
        tcase_add_test(tc, malformed_answers_are_eproto_naming_the_problem);
        tcase_add_test(tc, malformed_entry_of_another_scope_is_an_error);
        tcase_add_test(tc, null_labels_or_other_scope_are_dropped);
        tcase_add_test(tc, empty_scope_is_invalid);
        tcase_add_test(tc, host_ports_and_depends_on_label);
        tcase_add_test(tc, engine_names_of_every_network_and_volume);
        suite_add_tcase(s, tc);
        return bt_unit_main(s);
}
