#include "model/model.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/arena.h"

struct model_state *model_state_new(void)
{
        struct model_state *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        s->arena = berth_arena_new();
        if (!s->arena) {
                free(s);
                return NULL;
        }
        return s;
}

void model_state_free(struct model_state *s)
{
        if (!s)
                return;
        berth_arena_free(s->arena);
        free(s);
}

const struct model_project *model_project_find(const struct model_state *s, const char *name)
{
        size_t i;

        for (i = 0; i < s->nprojects; i++)
                if (!strcmp(s->projects[i].name, name))
                        return &s->projects[i];
        return NULL;
}

const struct model_service *model_service_find(const struct model_project *p, const char *name)
{
        size_t i;

        for (i = 0; i < p->nservices; i++)
                if (!strcmp(p->services[i].name, name))
                        return &p->services[i];
        return NULL;
}

const struct model_network *model_network_find(const struct model_project *p, const char *name)
{
        size_t i;

        for (i = 0; i < p->nnetworks; i++)
                if (!strcmp(p->networks[i].name, name))
                        return &p->networks[i];
        return NULL;
}

const struct model_volume *model_volume_find(const struct model_project *p, const char *name)
{
        size_t i;

        for (i = 0; i < p->nvolumes; i++)
                if (!strcmp(p->volumes[i].name, name))
                        return &p->volumes[i];
        return NULL;
}

/* Append s to buf (size bytes, *len used) as far as it fits. */
static void name_put(char *buf, size_t size, size_t *len, const char *s)
{
        size_t n = strlen(s);

        if (n > size - 1 - *len)
                n = size - 1 - *len;
        memcpy(buf + *len, s, n);
        *len += n;
}

/* Without printf: the loader's checks across projects build a name for
 * every service of every pair of projects. */
const char *model_container_name(const struct model_project *p, const struct model_service *s,
                                 int replica, char *buf, size_t size)
{
        char digits[16], *d = digits + sizeof(digits);
        unsigned v = replica < 0 ? 0u - (unsigned)replica : (unsigned)replica;
        size_t len = 0;

        if (!size)
                return buf;
        if (s->container_name) {
                name_put(buf, size, &len, s->container_name);
        } else {
                *--d = '\0';
                do
                        *--d = (char)('0' + v % 10);
                while (v /= 10);
                if (replica < 0)
                        *--d = '-';
                name_put(buf, size, &len, p->name);
                name_put(buf, size, &len, "-");
                name_put(buf, size, &len, s->name);
                name_put(buf, size, &len, "-");
                name_put(buf, size, &len, d);
        }
        buf[len] = '\0';
        return buf;
}

/* The rule (README "Sensitive values"): the name contains PASSWORD,
 * PASSWD, SECRET or TOKEN anywhere, or has KEY as a word of its own (words
 * split at '_', '-', '.' and lower-to-upper changes: API_KEY, apiKey,
 * key), or as the end of APIKEY / ACCESSKEY / PRIVATEKEY; case does not
 * matter.  MONKEY and KEYBOARD_LAYOUT are not sensitive. */
int model_name_is_sensitive(const char *name)
{
        static const char *const anywhere[] = {"password", "passwd", "secret", "token"};
        static const char *const key_words[] = {"key", "keys", "apikey", "accesskey", "privatekey"};
        char lower[256], word[256];
        size_t i, k, n = 0, len = strlen(name);

        if (len >= sizeof(lower))
                len = sizeof(lower) - 1;
        for (i = 0; i < len; i++)
                lower[i] = (char)tolower((unsigned char)name[i]);
        lower[len] = '\0';
        for (k = 0; k < sizeof(anywhere) / sizeof(anywhere[0]); k++)
                if (strstr(lower, anywhere[k]))
                        return 1;
        for (i = 0; i <= len; i++) {
                int boundary = i == len || !isalnum((unsigned char)name[i]) ||
                               (i > 0 && isupper((unsigned char)name[i]) &&
                                islower((unsigned char)name[i - 1]));

                if (boundary && n) {
                        word[n] = '\0';
                        for (k = 0; k < sizeof(key_words) / sizeof(key_words[0]); k++)
                                if (!strcmp(word, key_words[k]))
                                        return 1;
                        n = 0;
                }
                if (i < len && isalnum((unsigned char)name[i]))
                        word[n++] = lower[i];
        }
        return 0;
}

/* ---- canonical JSON --------------------------------------------------- */

static json_t *jstr(const char *s)
{
        return s ? json_string(s) : json_null();
}

static json_t *jint(int64_t v)
{
        return v == MODEL_UNSET ? json_null() : json_integer((json_int_t)v);
}

static json_t *jstrlist(const struct model_strlist *l)
{
        json_t *a;
        size_t i;

        if (!l->set)
                return json_null();
        a = json_array();
        for (i = 0; a && i < l->n; i++)
                json_array_append_new(a, json_string(l->v[i]));
        return a;
}

static void sha256_hex(char out[65], const void *data, size_t len)
{
        unsigned char md[32];
        unsigned int mdlen = 0;
        size_t i;

        static const char hex[] = "0123456789abcdef";

        EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
        for (i = 0; i < 32; i++) {
                out[2 * i] = hex[md[i] >> 4];
                out[2 * i + 1] = hex[md[i] & 15];
        }
        out[64] = '\0';
}

static json_t *jkv(const struct model_kvlist *l, int redact)
{
        json_t *o = json_object();
        char hex[65], tagged[80];
        size_t i;

        for (i = 0; o && i < l->n; i++) {
                const struct model_kv *kv = &l->v[i];

                if (redact && kv->sensitive && kv->value) {
                        sha256_hex(hex, kv->value, strlen(kv->value));
                        snprintf(tagged, sizeof(tagged), "sha256:%s", hex);
                        json_object_set_new(o, kv->key, json_string(tagged));
                } else {
                        json_object_set_new(o, kv->key, jstr(kv->value));
                }
        }
        return o;
}

static const char *restart_name(enum model_restart r)
{
        switch (r) {
        case MODEL_RESTART_ALWAYS:
                return "always";
        case MODEL_RESTART_UNLESS_STOPPED:
                return "unless-stopped";
        case MODEL_RESTART_ON_FAILURE:
                return "on-failure";
        default:
                return "no";
        }
}

static json_t *jports(const struct model_service *s)
{
        json_t *a = json_array();
        size_t i;

        for (i = 0; a && i < s->nports; i++) {
                const struct model_port *p = &s->ports[i];

                json_array_append_new(a, json_pack("{s:i, s:i, s:o, s:s}", "target", p->target,
                                                   "published", p->published, "host_ip",
                                                   jstr(p->host_ip), "protocol",
                                                   p->protocol ? p->protocol : "tcp"));
        }
        return a;
}

static json_t *jmounts(const struct model_service *s)
{
        static const char *const types[] = {"volume", "bind", "tmpfs"};
        json_t *a = json_array();
        size_t i;

        for (i = 0; a && i < s->nmounts; i++) {
                const struct model_mount *m = &s->mounts[i];

                json_array_append_new(
                    a, json_pack("{s:s, s:o, s:s, s:b, s:o, s:b, s:b, s:o, s:o}", "type",
                                 types[m->type], "source", jstr(m->source), "target", m->target,
                                 "read_only", m->read_only, "propagation", jstr(m->propagation),
                                 "create_host_path", m->create_host_path, "nocopy", m->nocopy,
                                 "tmpfs_size", jint(m->tmpfs_size), "tmpfs_mode",
                                 jint(m->tmpfs_mode)));
        }
        return a;
}

static json_t *jnetworks(const struct model_service *s)
{
        json_t *o = json_object();
        size_t i;

        for (i = 0; o && i < s->nnetworks; i++) {
                const struct model_service_network *n = &s->networks[i];

                json_object_set_new(o, n->engine_name,
                                    json_pack("{s:o, s:o, s:i}", "aliases", jstrlist(&n->aliases),
                                              "ipv4_address", jstr(n->ipv4_address), "priority",
                                              n->priority));
        }
        return o;
}

static json_t *jhealth(const struct model_healthcheck *h)
{
        if (!h->set)
                return json_null();
        return json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "disable", h->disable, "test",
                         jstrlist(&h->test), "interval", jint(h->interval), "timeout",
                         jint(h->timeout), "start_period", jint(h->start_period), "retries",
                         jint(h->retries));
}

static json_t *julimits(const struct model_service *s)
{
        json_t *o = json_object();
        size_t i;

        for (i = 0; o && i < s->nulimits; i++)
                json_object_set_new(o, s->ulimits[i].name,
                                    json_pack("{s:I, s:I}", "soft", (json_int_t)s->ulimits[i].soft,
                                              "hard", (json_int_t)s->ulimits[i].hard));
        return o;
}

void model_canonical_drop_unset(json_t *spec)
{
        const char *key;
        json_t *v;
        void *tmp;

        json_object_foreach_safe(spec, tmp, key, v)
        {
                if (json_is_null(v))
                        json_object_del(spec, key);
        }
}

json_t *model_devices_json(const struct model_service *s)
{
        json_t *a = json_array();
        size_t i;

        for (i = 0; a && i < s->ndevices; i++)
                json_array_append_new(a, json_sprintf("%s:%s:%s", s->devices[i].host,
                                                      s->devices[i].container,
                                                      s->devices[i].permissions));
        return a;
}

json_t *model_service_canonical(const struct model_project *p, const struct model_service *s,
                                int redact)
{
        json_t *o = json_object();
        int ok = o != NULL;

#define SET(key, value) ok = ok && json_object_set_new(o, key, value) == 0
        SET("image", json_string(s->image ? s->image : ""));
        SET("command", jstrlist(&s->command));
        SET("entrypoint", jstrlist(&s->entrypoint));
        SET("environment", jkv(&s->environment, redact));
        SET("labels", jkv(&s->labels, redact));
        SET("ports", jports(s));
        SET("expose", jstrlist(&s->expose));
        SET("mounts", jmounts(s));
        SET("networks", jnetworks(s));
        SET("network_mode", jstr(s->network_mode));
        SET("healthcheck", jhealth(&s->healthcheck));
        SET("restart", json_string(restart_name(s->restart)));
        SET("restart_max_retries", jint(s->restart_max_retries));
        SET("container_name", jstr(s->container_name));
        SET("hostname", jstr(s->hostname));
        SET("user", jstr(s->user));
        SET("working_dir", jstr(s->working_dir));
        SET("stop_signal", jstr(s->stop_signal));
        SET("stop_grace_period", jint(s->stop_grace_period));
        SET("mem_limit", jint(s->mem_limit));
        SET("mem_reservation", jint(s->mem_reservation));
        SET("nano_cpus", jint(s->nano_cpus));
        SET("pids_limit", jint(s->pids_limit));
        SET("shm_size", jint(s->shm_size));
        SET("cap_add", jstrlist(&s->cap_add));
        SET("cap_drop", jstrlist(&s->cap_drop));
        SET("privileged", json_boolean(s->privileged));
        SET("read_only", json_boolean(s->read_only));
        SET("tty", json_boolean(s->tty));
        SET("stdin_open", json_boolean(s->stdin_open));
        SET("init", s->init < 0 ? json_null() : json_boolean(s->init));
        SET("tmpfs", jstrlist(&s->tmpfs));
        SET("extra_hosts", jstrlist(&s->extra_hosts));
        SET("dns", jstrlist(&s->dns));
        SET("dns_search", jstrlist(&s->dns_search));
        SET("dns_opt", jstrlist(&s->dns_opt));
        SET("security_opt", jstrlist(&s->security_opt));
        SET("log_driver", jstr(s->log_driver));
        SET("log_options", jkv(&s->log_options, redact));
        SET("ulimits", julimits(s));
        SET("sysctls", jkv(&s->sysctls, 0));
        /* the optional keys: absent when unset */
        if (s->pid)
                SET("pid", json_string(s->pid));
        if (s->ipc)
                SET("ipc", json_string(s->ipc));
        if (s->userns_mode)
                SET("userns_mode", json_string(s->userns_mode));
        if (s->ndevices)
                SET("devices", model_devices_json(s));
#undef SET
        if (!ok || (redact && model_json_redact(o, p, 1) < 0)) {
                json_decref(o);
                return NULL;
        }
        return o;
}

int model_has_secret(const struct model_project *p, const char *s)
{
        size_t i;

        for (i = 0; i < p->nsecrets; i++)
                if (strstr(s, p->secrets[i]))
                        return 1;
        return 0;
}

static int redact_strings(json_t *v, const struct model_project *p, int hash)
{
        char hex[65], tagged[80];
        const char *key, *s;
        json_t *item;
        size_t i;

        if (json_is_object(v)) {
                json_object_foreach(v, key, item)
                {
                        if (redact_strings(item, p, hash) < 0)
                                return -1;
                }
        } else if (json_is_array(v)) {
                json_array_foreach(v, i, item)
                {
                        if (redact_strings(item, p, hash) < 0)
                                return -1;
                }
        } else if ((s = json_string_value(v)) && model_has_secret(p, s)) {
                if (hash) {
                        sha256_hex(hex, s, strlen(s));
                        snprintf(tagged, sizeof(tagged), "sha256:%s", hex);
                }
                if (json_string_set(v, hash ? tagged : "(sensitive)") < 0)
                        return -1;
        }
        return 0;
}

int model_json_redact(json_t *svc, const struct model_project *p, int hash)
{
        static const char *const members[] = {"command",     "entrypoint",  "environment", "labels",
                                              "healthcheck", "log_options", "logging"};
        size_t i;

        for (i = 0; p->nsecrets && i < sizeof(members) / sizeof(members[0]); i++)
                if (redact_strings(json_object_get(svc, members[i]), p, hash) < 0)
                        return -1;
        return 0;
}

int model_service_hash(char out[65], const struct model_project *p, const struct model_service *s,
                       struct berth_err *err)
{
        json_t *j = model_service_canonical(p, s, 0);
        char *dump = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

        json_decref(j);
        if (!dump)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory hashing service '%s'",
                                     s->name);
        sha256_hex(out, dump, strlen(dump));
        free(dump);
        return 0;
}

int model_state_hash(struct model_state *s, struct berth_err *err)
{
        struct model_project *p;
        struct model_service *sv;
        size_t i, k;
        int r;

        for (i = 0; i < s->nprojects; i++) {
                p = &s->projects[i];
                for (k = 0; k < p->nservices; k++) {
                        sv = &p->services[k];
                        if ((r = model_service_hash(sv->config_hash, p, sv, err)) < 0)
                                return r;
                }
        }
        return 0;
}
