/* ports: and expose: one model_port (or "80/tcp") per port, ranges
 * expanded, and host ports that two services (or replicas) would both
 * bind found before the engine refuses the second. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "manifest/normalize_int.h"

struct range {
        int lo, hi; /* hi == lo for one port; lo == 0: not written */
};

/* "8080" or "8080-8081" in s[0..len); min is the lowest port allowed.
 * -1: not a port or range; -2: high to low; -3: a range from 0 (0 alone
 * means a random port, a range of them has no meaning). */
static int parse_range(struct range *r, const char *s, size_t len, int min)
{
        const char *dash = memchr(s, '-', len);
        size_t i, n1 = dash ? (size_t)(dash - s) : len;
        long v[2] = {0, 0};
        size_t part, start, end;

        for (part = 0; part < (dash ? 2u : 1u); part++) {
                start = part ? n1 + 1 : 0;
                end = part ? len : n1;
                if (end == start || end - start > 5)
                        return -1;
                for (i = start; i < end; i++) {
                        if (s[i] < '0' || s[i] > '9')
                                return -1;
                        v[part] = v[part] * 10 + (s[i] - '0');
                }
                if (v[part] < min || v[part] > 65535)
                        return -1;
        }
        r->lo = (int)v[0];
        r->hi = dash ? (int)v[1] : r->lo;
        if (dash && r->lo == 0)
                return -3;
        return r->hi < r->lo ? -2 : 0;
}

static const char *protocol_of(const char *s)
{
        static const char *const known[] = {"tcp", "udp", "sctp"};
        size_t i;

        for (i = 0; i < 3; i++)
                if (strcmp(s, known[i]) == 0)
                        return known[i];
        return NULL;
}

/* ---- conflicts ---- */

static int all_addresses(const char *ip)
{
        return !ip || !*ip || strcmp(ip, "0.0.0.0") == 0 || strcmp(ip, "::") == 0;
}

static int overlaps(const char *a, const char *b)
{
        return all_addresses(a) || all_addresses(b) || strcmp(a, b) == 0;
}

int normalize_ports_overlap(const struct model_port *a, const struct model_port *b)
{
        return a->published && a->published == b->published &&
               strcmp(a->protocol, b->protocol) == 0 && overlaps(a->host_ip, b->host_ip);
}

const char *normalize_port_host(char *buf, size_t size, const struct model_port *p)
{
        if (!p->host_ip)
                snprintf(buf, size, "%d/%s", p->published, p->protocol);
        else if (strchr(p->host_ip, ':'))
                snprintf(buf, size, "[%s]:%d/%s", p->host_ip, p->published, p->protocol);
        else
                snprintf(buf, size, "%s:%d/%s", p->host_ip, p->published, p->protocol);
        return buf;
}

/* 0, or -1 after reporting that port p is taken. */
static int claim(struct nz *z, const struct model_service *s, const struct model_port *p,
                 const struct doc_node *at, const char *path)
{
        struct nz_binding *v;
        char where[96];
        size_t i;

        normalize_port_host(where, sizeof(where), p);
        if (s->replicas > 1) {
                nz_error(z, at, path,
                         "host port %s cannot be published by %lld replicas: leave the host "
                         "port out to get a random one per replica",
                         where, (long long)s->replicas);
                return -1;
        }
        for (i = 0; i < z->nbindings; i++) {
                const struct nz_binding *b = &z->bindings[i];

                if (!normalize_ports_overlap(&b->port, p))
                        continue;
                if (b->service == s->name)
                        nz_error(z, at, path, "host port %s is already published by ports[%zu]",
                                 where, b->port.item);
                else
                        nz_error(z, at, path, "host port %s is already published by service '%s'",
                                 where, b->service);
                return -1;
        }
        if (!(v = nz_grow(z, z->bindings, z->nbindings, sizeof(*v))))
                return -1;
        z->bindings = v;
        v[z->nbindings++] = (struct nz_binding){s->name, *p};
        return 0;
}

/* ---- ports ---- */

/* Add the ports host x container (both ranges, host.lo 0 for none). */
static void add_ports(struct nz *z, struct model_service *s, struct range host, struct range ctr,
                      const char *ip, const char *proto, size_t item, const struct doc_node *at,
                      const char *path)
{
        struct model_port *v, p;
        char *protocol = nz_strdup(z, proto);
        int i, reported = 0;

        if (host.lo && host.hi != host.lo && ctr.hi == ctr.lo) {
                nz_error(z, at, path,
                         "host port range %d-%d needs a container range of the same length",
                         host.lo, host.hi);
                return;
        }
        if (host.lo && ctr.hi - ctr.lo != host.hi - host.lo) {
                nz_error(z, at, path,
                         "container port range %d-%d needs a host port range of the same "
                         "length, or no host port",
                         ctr.lo, ctr.hi);
                return;
        }
        for (i = 0; i <= ctr.hi - ctr.lo; i++) {
                p.target = ctr.lo + i;
                p.published = host.lo ? host.lo + i : 0;
                p.host_ip = ip && *ip ? nz_strdup(z, ip) : NULL;
                p.protocol = protocol;
                p.pos = (struct model_pos){z->p->file, at->pos.line, at->pos.col};
                p.item = item;
                if (p.published && !reported && claim(z, s, &p, at, path) < 0)
                        reported = 1;
                if (!(v = nz_grow(z, s->ports, s->nports, sizeof(*v))))
                        return;
                s->ports = v;
                v[s->nports++] = p;
        }
}

/* [[IP:][HOST]:]CONTAINER[/PROTOCOL], IP an IPv4 address or [IPv6]. */
static void port_short(struct nz *z, struct model_service *s, const char *t, size_t item,
                       const struct doc_node *at, const char *path)
{
        const char *slash = strrchr(t, '/'), *proto = "tcp", *body = t, *end, *colon, *c;
        struct range host = {0, 0}, ctr;
        char ip[64] = "";
        int rc = -1, colons = 0;

        end = slash ? slash : t + strlen(t);
        if (slash && !(proto = protocol_of(slash + 1))) {
                nz_error(z, at, path, "'%s' is not a protocol (tcp, udp or sctp)", slash + 1);
                return;
        }
        if (*t == '[') { /* [IPv6]:[HOST]:CONTAINER */
                const char *close = memchr(t, ']', (size_t)(end - t));

                if (!close || close + 1 >= end || close[1] != ':' ||
                    (size_t)(close - t - 1) >= sizeof(ip))
                        goto bad;
                memcpy(ip, t + 1, (size_t)(close - t - 1));
                ip[close - t - 1] = '\0';
                body = close + 2;
                if (!memchr(body, ':', (size_t)(end - body)))
                        goto bad;
        } else {
                for (c = t; c < end; c++)
                        colons += *c == ':';
                if (colons > 2) {
                        nz_error(z, at, path,
                                 "'%s' is not a port mapping: write an IPv6 address in brackets "
                                 "([::1]:8080:80)",
                                 t);
                        return;
                }
                if (colons == 2) { /* IP:[HOST]:CONTAINER */
                        colon = memchr(t, ':', (size_t)(end - t));
                        if (colon == t || (size_t)(colon - t) >= sizeof(ip))
                                goto bad;
                        memcpy(ip, t, (size_t)(colon - t));
                        ip[colon - t] = '\0';
                        body = colon + 1;
                }
        }
        colon = body < end ? memchr(body, ':', (size_t)(end - body)) : NULL;
        if (colon) {
                if (colon > body && (rc = parse_range(&host, body, (size_t)(colon - body), 0)) < 0)
                        goto range;
                body = colon + 1;
        }
        if ((rc = parse_range(&ctr, body, (size_t)(end - body), 1)) < 0)
                goto range;
        add_ports(z, s, host, ctr, ip, proto, item, at, path);
        return;
range:
        if (rc == -3) {
                nz_error(z, at, path,
                         "'%s': host port range %.*s is not valid: ports start at 1; leave the "
                         "host port out for a random port",
                         t, (int)(colon - body), body);
                return;
        }
        if (rc == -2) {
                nz_error(z, at, path, "'%s': a port range must go from low to high", t);
                return;
        }
bad:
        nz_error(z, at, path,
                 "'%s' is not a port mapping (expected [[IP:][HOST]:]CONTAINER[/PROTOCOL])", t);
}

static void port_long(struct nz *z, struct model_service *s, const struct doc_node *n, size_t item,
                      const char *path)
{
        const struct doc_node *v;
        struct range host = {0, 0}, ctr;
        char p[NZ_PATH], ip[64] = "";
        const char *proto = "tcp", *t;
        int64_t target;
        int rc;

        if (!(v = doc_map_get(n, "target"))) {
                nz_error(z, n, path, "a port needs a target (the container port)");
                return;
        }
        if (nz_int(z, v, nz_key_path(p, path, "target"), &target) < 0)
                return;
        if (target < 1 || target > 65535) {
                nz_error(z, v, p, "%lld is not a port (1-65535)", (long long)target);
                return;
        }
        ctr.lo = ctr.hi = (int)target;
        if ((v = doc_map_get(n, "published")) && !doc_scalar_is_null(v)) {
                if (!(t = nz_text(z, v, nz_key_path(p, path, "published"))))
                        return;
                if ((rc = parse_range(&host, t, strlen(t), 0)) == -3) {
                        nz_error(z, v, p,
                                 "published range %s is not valid: ports start at 1; leave "
                                 "published out for a random port",
                                 t);
                        return;
                }
                if (rc < 0) {
                        nz_error(z, v, p, "'%s' is not a port or port range (0-65535)", t);
                        return;
                }
        }
        if ((v = doc_map_get(n, "protocol")) &&
            (t = nz_text(z, v, nz_key_path(p, path, "protocol"))) && !(proto = protocol_of(t))) {
                nz_error(z, v, p, "'%s' is not a protocol (tcp, udp or sctp)", t);
                return;
        }
        if ((v = doc_map_get(n, "host_ip")) &&
            (t = nz_text(z, v, nz_key_path(p, path, "host_ip")))) {
                size_t len = strlen(t);

                if (len >= 2 && t[0] == '[' && t[len - 1] == ']') {
                        t++;
                        len -= 2;
                }
                if (len >= sizeof(ip)) {
                        nz_error(z, v, p, "'%s' is not an IP address", t);
                        return;
                }
                memcpy(ip, t, len);
                ip[len] = '\0';
        }
        add_ports(z, s, host, ctr, ip, proto, item, n, path);
}

void nz_ports(struct nz *z, struct model_service *s, const struct doc_node *n, const char *path)
{
        char p[NZ_PATH];
        int64_t port;
        size_t i;

        if (!nz_is_seq(z, n, path))
                return;
        for (i = 0; i < n->seq.n; i++) {
                const struct doc_node *item = n->seq.v[i];

                nz_index_path(p, path, i);
                if (item->kind == DOC_MAP) {
                        port_long(z, s, item, i, p);
                } else if (item->kind == DOC_SCALAR && doc_scalar_type(item) == DOC_T_INT) {
                        if (nz_int(z, item, p, &port) < 0)
                                continue;
                        if (port < 1 || port > 65535) {
                                nz_error(z, item, p, "%lld is not a port (1-65535)",
                                         (long long)port);
                                continue;
                        }
                        add_ports(z, s, (struct range){0, 0}, (struct range){(int)port, (int)port},
                                  NULL, "tcp", i, item, p);
                } else if (nz_text(z, item, p)) {
                        port_short(z, s, item->scalar.text, i, item, p);
                }
        }
}

void nz_expose(struct nz *z, struct model_service *s, const struct doc_node *n, const char *path)
{
        struct range r;
        char p[NZ_PATH];
        const char *t, *slash, *proto;
        char *e;
        size_t i;
        int k;

        if (!nz_is_seq(z, n, path))
                return;
        s->expose.set = 1;
        for (i = 0; i < n->seq.n; i++) {
                if (!(t = nz_text(z, n->seq.v[i], nz_index_path(p, path, i))))
                        continue;
                slash = strchr(t, '/');
                proto = slash ? protocol_of(slash + 1) : "tcp";
                if (!proto || parse_range(&r, t, slash ? (size_t)(slash - t) : strlen(t), 1) < 0) {
                        nz_error(z, n->seq.v[i], p,
                                 "'%s' is not a port to expose (expected PORT[/PROTOCOL])", t);
                        continue;
                }
                for (k = r.lo; k <= r.hi; k++)
                        if ((e = nz_printf(z, "%d/%s", k, proto)))
                                nz_strlist_add(z, &s->expose, e);
        }
}
