/* Networks against the real engine: create, ensure, inspect, list,
 * connect with aliases (resolved inside a container), disconnect,
 * remove and prune.  Names are resolved inside a container with the
 * docker CLI's exec (busybox nslookup against the engine's DNS). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth_test.h"
#include "docker/network.h"

/* Run the docker CLI; the test fails unless it exits 0.  Returns its
 * stdout without the trailing newline (free() it). */
static char *cli(const char *const argv[])
{
        char *out = NULL, *errout = NULL;
        int rc = bt_run(&out, &errout, argv);
        size_t n;

        ck_assert_msg(rc == 0, "%s %s exited %d: %s", argv[0], argv[1], rc, errout);
        free(errout);
        n = strlen(out);
        while (n && out[n - 1] == '\n')
                out[--n] = '\0';
        return out;
}

/* A running busybox container carrying the run's label; its id (free() it). */
static char *start_container(const char *name)
{
        struct docker_kv labels[] = {{BT_LABEL, bt_run_id()}};
        const char *cmd[] = {"sleep", "300", NULL};
        struct docker_container_spec spec;
        struct berth_err err;
        char *id = NULL;

        docker_container_spec_init(&spec);
        spec.name = name;
        spec.image = bt_image();
        spec.cmd = cmd;
        spec.labels = labels;
        spec.n_labels = 1;
        ck_assert_msg(docker_container_create(&id, bt_client(), &spec, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_container_start(bt_client(), id, &err) == 0, "%s", err.msg);
        return id;
}

/* A /24 of 10.213.0.0/16 picked by the network's name, so that tests and
 * runs rarely collide; host 0 gives the subnet, others an address in it. */
static const char *subnet(char *buf, size_t size, const char *name, int host)
{
        unsigned hash = 5381;
        int third;

        for (; *name; name++)
                hash = hash * 33 + (unsigned char)*name;
        third = 20 + (int)(hash % 200);

        if (host)
                snprintf(buf, size, "10.213.%d.%d", third, host);
        else
                snprintf(buf, size, "10.213.%d.0/24", third);
        return buf;
}

static const char *label_of(const struct docker_network *n, const char *key)
{
        return docker_kv_get(n->labels, n->n_labels, key);
}

START_TEST(create_ensure_inspect)
{
        struct docker_client *c = bt_client();
        struct docker_kv labels[] = {{BT_LABEL, bt_run_id()}, {"berth.test-case", "ensure"}};
        struct docker_kv options[] = {{"com.docker.network.driver.mtu", "1400"}};
        char sub[64], gw[64];
        struct docker_ipam_pool pool = {
            .subnet = subnet(sub, sizeof(sub), bt_name("net-ensure"), 0),
            .gateway = subnet(gw, sizeof(gw), bt_name("net-ensure"), 1)};
        struct docker_network_spec spec = {
            .name = bt_name("net-ensure"),
            .labels = labels,
            .n_labels = 2,
            .options = options,
            .n_options = 1,
            .ipam = &pool,
            .n_ipam = 1,
            .internal = 1,
            .attachable = 1,
        };
        char *id1 = NULL, *id2 = NULL, *id3 = NULL;
        int created = -1;
        struct docker_network net;
        struct berth_err err;

        ck_assert_msg(docker_network_ensure(&id1, &created, c, &spec, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(created, 1);
        ck_assert_uint_eq(strlen(id1), 64);
        ck_assert_msg(docker_network_ensure(&id2, &created, c, &spec, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(created, 0);
        ck_assert_str_eq(id2, id1);

        /* A plain create of the same name is refused, naming it. */
        ck_assert_int_eq(docker_network_create(&id3, c, &spec, &err), BERTH_ECONFLICT);
        ck_assert_ptr_null(id3);
        ck_assert_msg(strstr(err.msg, "cannot create network 'berthtest-"), "%s", err.msg);
        ck_assert_msg(strstr(err.msg, spec.name), "%s", err.msg);

        ck_assert_msg(docker_network_inspect(&net, c, spec.name, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(net.id, id1);
        ck_assert_str_eq(net.name, spec.name);
        ck_assert_str_eq(net.driver, "bridge");
        ck_assert_str_eq(net.scope, "local");
        ck_assert_str_ne(net.created, "");
        ck_assert_int_eq(net.internal, 1);
        ck_assert_int_eq(net.attachable, 1);
        ck_assert_int_eq(net.enable_ipv6, 0);
        ck_assert_uint_eq(net.n_labels, 2);
        ck_assert_str_eq(label_of(&net, BT_LABEL), bt_run_id());
        ck_assert_str_eq(label_of(&net, "berth.test-case"), "ensure");
        ck_assert_pstr_eq(
            docker_kv_get(net.options, net.n_options, "com.docker.network.driver.mtu"), "1400");
        ck_assert_str_eq(net.ipam_driver, "default");
        ck_assert_uint_eq(net.n_ipam, 1);
        ck_assert_str_eq(net.ipam[0].subnet, sub);
        ck_assert_str_eq(net.ipam[0].gateway, gw);
        ck_assert_str_eq(net.ipam[0].ip_range, "");
        ck_assert_uint_eq(net.n_containers, 0);
        ck_assert_ptr_nonnull(json_object_get(net.raw, "IPAM"));
        docker_network_release(&net);

        /* By id too. */
        ck_assert_msg(docker_network_inspect(&net, c, id1, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(net.name, spec.name);
        docker_network_release(&net);
        free(id1);
        free(id2);
}
END_TEST

struct race {
        const struct docker_network_spec *spec;
        char *id;
        int created;
        int r;
        struct berth_err err;
};

static void *ensure_thread(void *arg)
{
        struct race *x = arg;

        x->r = docker_network_ensure(&x->id, &x->created, bt_client(), x->spec, &x->err);
        return NULL;
}

/* Eight ensures at once: one creates, the others find it (some of them
 * after losing the create race with a 409), all agree on the id. */
START_TEST(ensure_races)
{
        struct docker_kv labels[] = {{BT_LABEL, bt_run_id()}};
        struct docker_network_spec spec = {
            .name = bt_name("net-race"), .labels = labels, .n_labels = 1};
        struct race x[8];
        pthread_t t[8];
        struct docker_network_list list;
        const char *names[] = {spec.name, NULL};
        struct docker_network_filter f = {.names = names};
        struct berth_err err;
        int created = 0, i;

        bt_client(); /* negotiate before the threads start */
        memset(x, 0, sizeof(x));
        for (i = 0; i < 8; i++) {
                x[i].spec = &spec;
                ck_assert_int_eq(pthread_create(&t[i], NULL, ensure_thread, &x[i]), 0);
        }
        for (i = 0; i < 8; i++)
                pthread_join(t[i], NULL);
        for (i = 0; i < 8; i++) {
                ck_assert_msg(x[i].r == 0, "thread %d: %s", i, x[i].err.msg);
                ck_assert_str_eq(x[i].id, x[0].id);
                created += x[i].created;
        }
        ck_assert_int_eq(created, 1);
        ck_assert_msg(docker_network_list(&list, bt_client(), &f, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(list.count, 1);
        docker_network_list_release(&list);
        for (i = 0; i < 8; i++)
                free(x[i].id);
}
END_TEST

/* Label filters find exactly this test's networks; name filters are exact
 * although the engine's are substrings. */
START_TEST(list_filters)
{
        struct docker_client *c = bt_client();
        struct docker_kv labels[] = {{BT_LABEL, bt_run_id()}, {"berth.test-case", "list"}};
        const char *a = bt_name("net-list"), *ab = bt_name("net-listab");
        struct docker_network_spec sa = {.name = a, .labels = labels, .n_labels = 2};
        struct docker_network_spec sab = {.name = ab, .labels = labels, .n_labels = 2};
        struct docker_network_spec other = {
            .name = bt_name("net-list-other"), .labels = labels, .n_labels = 1};
        const char *by_label[] = {bt_label_filter(), "berth.test-case=list", NULL};
        const char *by_name[] = {a, NULL};
        const char *by_both[] = {a, ab, NULL};
        struct docker_network_filter f = {.labels = by_label};
        struct docker_network_list list;
        struct berth_err err;
        int seen_a = 0, seen_ab = 0;
        size_t i;

        ck_assert_msg(docker_network_create(NULL, c, &sa, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_network_create(NULL, c, &sab, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_network_create(NULL, c, &other, &err) == 0, "%s", err.msg);

        ck_assert_msg(docker_network_list(&list, c, &f, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(list.count, 2);
        for (i = 0; i < list.count; i++) {
                seen_a += strcmp(list.items[i].name, a) == 0;
                seen_ab += strcmp(list.items[i].name, ab) == 0;
                ck_assert_str_eq(label_of(&list.items[i], "berth.test-case"), "list");
                ck_assert_uint_eq(strlen(list.items[i].id), 64);
        }
        ck_assert_int_eq(seen_a, 1);
        ck_assert_int_eq(seen_ab, 1);
        docker_network_list_release(&list);

        /* The engine's name filter alone would also return net-listab. */
        f.names = by_name;
        ck_assert_msg(docker_network_list(&list, c, &f, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(list.count, 1);
        ck_assert_str_eq(list.items[0].name, a);
        docker_network_list_release(&list);

        f.labels = NULL;
        f.names = by_both;
        ck_assert_msg(docker_network_list(&list, c, &f, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(list.count, 2);
        docker_network_list_release(&list);

        f.driver = "overlay";
        ck_assert_msg(docker_network_list(&list, c, &f, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(list.count, 0);
        docker_network_list_release(&list);
}
END_TEST

START_TEST(connect_alias_disconnect_remove)
{
        struct docker_client *c = bt_client();
        struct docker_kv labels[] = {{BT_LABEL, bt_run_id()}};
        char sub[64], ip[64], want[128];
        struct docker_ipam_pool pool = {.subnet = subnet(sub, sizeof(sub), bt_name("net-conn"), 0)};
        struct docker_network_spec spec = {.name = bt_name("net-conn"),
                                           .labels = labels,
                                           .n_labels = 1,
                                           .ipam = &pool,
                                           .n_ipam = 1};
        const char *cname = bt_name("conn-c");
        const char *aliases[] = {"db-alias", "cache-alias", NULL};
        struct docker_network_attach attach = {
            .aliases = aliases, .ipv4_address = subnet(ip, sizeof(ip), bt_name("net-conn"), 77)};
        const char *lookup[] = {"docker", "exec", cname, "nslookup", "db-alias", NULL};
        const char *lookup2[] = {"docker", "exec", cname, "nslookup", "cache-alias", NULL};
        char *id = NULL, *cid, *out, *errout;
        struct docker_network net;
        struct berth_err err;

        ck_assert_msg(docker_network_create(&id, c, &spec, &err) == 0, "%s", err.msg);
        cid = start_container(cname);

        /* Before connecting, the alias does not resolve. */
        ck_assert_int_ne(bt_run(&out, &errout, lookup), 0);
        free(out);
        free(errout);

        ck_assert_msg(docker_network_connect(c, spec.name, cname, &attach, &err) == 0, "%s",
                      err.msg);
        ck_assert_msg(docker_network_inspect(&net, c, id, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(net.n_containers, 1);
        ck_assert_str_eq(net.containers[0].container_id, cid);
        ck_assert_str_eq(net.containers[0].name, cname);
        snprintf(want, sizeof(want), "%s/24", ip);
        ck_assert_str_eq(net.containers[0].ipv4_address, want);
        ck_assert_str_ne(net.containers[0].endpoint_id, "");
        ck_assert_str_ne(net.containers[0].mac_address, "");
        docker_network_release(&net);

        /* Both aliases resolve to the static address inside the container. */
        out = cli(lookup);
        snprintf(want, sizeof(want), "Address: %s", ip);
        ck_assert_msg(strstr(out, want), "nslookup db-alias: %s", out);
        free(out);
        out = cli(lookup2);
        ck_assert_msg(strstr(out, want), "nslookup cache-alias: %s", out);
        free(out);

        /* Connecting twice is refused; removing while attached is a conflict. */
        ck_assert_int_eq(docker_network_connect(c, spec.name, cname, NULL, &err), BERTH_EFORBIDDEN);
        ck_assert_msg(strstr(err.msg, "cannot connect container 'berthtest-"), "%s", err.msg);
        ck_assert_int_eq(docker_network_remove(c, spec.name, &err), BERTH_ECONFLICT);
        ck_assert_msg(strstr(err.msg, spec.name), "%s", err.msg);
        ck_assert_msg(strstr(err.engine_msg, "active endpoints"), "%s", err.engine_msg);

        ck_assert_msg(docker_network_disconnect(c, spec.name, cname, 0, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_network_inspect(&net, c, id, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(net.n_containers, 0);
        docker_network_release(&net);
        ck_assert_int_lt(docker_network_disconnect(c, spec.name, cname, 0, &err), 0);
        ck_assert_msg(strstr(err.msg, "cannot disconnect container 'berthtest-"), "%s", err.msg);

        /* Connect without options joins with no extra alias; then remove works
         * after the container has gone. */
        ck_assert_msg(docker_network_connect(c, spec.name, cid, NULL, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_network_disconnect(c, spec.name, cid, 1, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_network_remove(c, spec.name, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(docker_network_inspect(&net, c, id, &err), BERTH_ENOTFOUND);
        docker_network_release(&net);
        free(cid);
        free(id);
}
END_TEST

/* IPv6: a network with an IPv6 pool, a container joined at a static
 * IPv6 address. */
START_TEST(ipv6_network)
{
        struct docker_client *c = bt_client();
        struct docker_kv labels[] = {{BT_LABEL, bt_run_id()}};
        const char *name = bt_name("net-v6");
        char v6sub[64], v6ip[64], want[80], *cid;
        unsigned hash = 5381;
        const char *p;
        struct docker_ipam_pool pool;
        struct docker_network_spec spec = {
            .name = name, .labels = labels, .n_labels = 1, .enable_ipv6 = 1};
        struct docker_network_attach attach = {.ipv6_address = v6ip};
        struct docker_network net;
        struct berth_err err;
        size_t i, v6 = 0;

        for (p = name; *p; p++)
                hash = hash * 33 + (unsigned char)*p;
        snprintf(v6sub, sizeof(v6sub), "fd5b:e27a:%x::/64", hash & 0xffff);
        snprintf(v6ip, sizeof(v6ip), "fd5b:e27a:%x::42", hash & 0xffff);
        memset(&pool, 0, sizeof(pool));
        pool.subnet = v6sub;
        spec.ipam = &pool;
        spec.n_ipam = 1;
        ck_assert_msg(docker_network_create(NULL, c, &spec, &err) == 0, "%s", err.msg);
        cid = start_container(bt_name("v6-c"));
        ck_assert_msg(docker_network_connect(c, name, cid, &attach, &err) == 0, "%s", err.msg);

        ck_assert_msg(docker_network_inspect(&net, c, name, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(net.enable_ipv6, 1);
        for (i = 0; i < net.n_ipam; i++)
                v6 += strcmp(net.ipam[i].subnet, v6sub) == 0;
        ck_assert_uint_eq(v6, 1);
        ck_assert_uint_eq(net.n_containers, 1);
        snprintf(want, sizeof(want), "%s/64", v6ip);
        ck_assert_str_eq(net.containers[0].ipv6_address, want);
        ck_assert_str_ne(net.containers[0].ipv4_address, "");
        docker_network_release(&net);
        free(cid);
}
END_TEST

START_TEST(missing_network_is_not_found_naming_it)
{
        struct docker_client *c = bt_client();
        const char *name = bt_name("net-missing");
        struct docker_network net;
        struct berth_err err;
        char want[512];

        ck_assert_int_eq(docker_network_remove(c, name, &err), BERTH_ENOTFOUND);
        snprintf(want, sizeof(want), "cannot remove network '%s': ", name);
        ck_assert_msg(strstr(err.msg, want) == err.msg, "%s", err.msg);
        ck_assert_int_eq(err.http_status, 404);

        ck_assert_int_eq(docker_network_inspect(&net, c, name, &err), BERTH_ENOTFOUND);
        ck_assert_msg(strstr(err.msg, name), "%s", err.msg);
        docker_network_release(&net);

        ck_assert_int_eq(docker_network_connect(c, name, bt_name("nobody"), NULL, &err),
                         BERTH_ENOTFOUND);
        ck_assert_msg(strstr(err.msg, name), "%s", err.msg);
}
END_TEST

START_TEST(invalid_specs)
{
        struct docker_client *c = bt_client();
        struct docker_kv bad[] = {{"", "x"}};
        struct docker_network_spec noname = {0};
        struct docker_network_spec badlabel = {
            .name = bt_name("net-bad"), .labels = bad, .n_labels = 1};
        char *id = NULL;
        int created;
        struct berth_err err;

        ck_assert_int_eq(docker_network_create(&id, c, &noname, &err), BERTH_EINVALID);
        ck_assert_str_eq(err.msg, "cannot create network: no name given");
        ck_assert_int_eq(docker_network_ensure(&id, &created, c, &noname, &err), BERTH_EINVALID);
        ck_assert_int_eq(docker_network_create(&id, c, &badlabel, &err), BERTH_EINVALID);
        ck_assert_msg(strstr(err.msg, "label with an empty key"), "%s", err.msg);
        ck_assert_ptr_null(id);
}
END_TEST

START_TEST(prune_by_label)
{
        struct docker_client *c = bt_client();
        struct docker_kv labels[] = {{BT_LABEL, bt_run_id()}, {"berth.test-case", "prune"}};
        struct docker_network_spec unused = {
            .name = bt_name("net-prune-unused"), .labels = labels, .n_labels = 2};
        struct docker_network_spec used = {
            .name = bt_name("net-prune-used"), .labels = labels, .n_labels = 2};
        struct docker_network_spec unlabelled = {
            .name = bt_name("net-prune-other"), .labels = labels, .n_labels = 1};
        const char *by_label[] = {bt_label_filter(), "berth.test-case=prune", NULL};
        const char *cname = bt_name("prune-c");
        struct docker_network_pruned pruned;
        struct docker_network net;
        struct berth_err err;
        char *cid;

        ck_assert_msg(docker_network_create(NULL, c, &unused, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_network_create(NULL, c, &used, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_network_create(NULL, c, &unlabelled, &err) == 0, "%s", err.msg);
        cid = start_container(cname);
        ck_assert_msg(docker_network_connect(c, used.name, cname, NULL, &err) == 0, "%s", err.msg);

        ck_assert_msg(docker_network_prune(&pruned, c, by_label, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(pruned.count, 1);
        ck_assert_str_eq(pruned.names[0], unused.name);
        ck_assert_ptr_null(pruned.names[1]);
        docker_network_pruned_release(&pruned);

        ck_assert_int_eq(docker_network_inspect(&net, c, unused.name, &err), BERTH_ENOTFOUND);
        docker_network_release(&net);
        ck_assert_msg(docker_network_inspect(&net, c, used.name, &err) == 0, "%s", err.msg);
        docker_network_release(&net);
        ck_assert_msg(docker_network_inspect(&net, c, unlabelled.name, &err) == 0, "%s", err.msg);
        docker_network_release(&net);

        /* Nothing left to prune: an empty list, not an error. */
        ck_assert_msg(docker_network_prune(&pruned, c, by_label, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(pruned.count, 0);
        ck_assert_ptr_null(pruned.names[0]);
        docker_network_pruned_release(&pruned);
        free(cid);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("network");
        TCase *tc = tcase_create("engine");

        bt_tcase_engine(tc);
        tcase_add_test(tc, create_ensure_inspect);
        tcase_add_test(tc, ensure_races);
        tcase_add_test(tc, list_filters);
        tcase_add_test(tc, connect_alias_disconnect_remove);
        tcase_add_test(tc, ipv6_network);
        tcase_add_test(tc, missing_network_is_not_found_naming_it);
        tcase_add_test(tc, invalid_specs);
        tcase_add_test(tc, prune_by_label);
        suite_add_tcase(s, tc);
        return bt_engine_main(s);
}
