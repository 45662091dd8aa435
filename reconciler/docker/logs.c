#include "docker/logs.h"

#include "docker/container.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD_SIZE 8
#define TYPE_STDIN 0
#define TYPE_SYSERR 3

void docker_demux_init(struct docker_demux *d, int raw)
{
        memset(d, 0, sizeof(*d));
        d->raw = raw;
}

static const char *type_name(int type)
{
        switch (type) {
        case TYPE_STDIN:
                return "stdin";
        case DOCKER_STREAM_STDOUT:
                return "stdout";
        case DOCKER_STREAM_STDERR:
                return "stderr";
        default:
                return "engine error";
        }
}

/* A whole header is in d->head: start its frame. */
static int demux_header(struct docker_demux *d, struct berth_err *err)
{
        const unsigned char *h = d->head;

        if (h[0] > TYPE_SYSERR)
                return berth_err_set(err, BERTH_EPROTO,
                                     "bad output stream: frame header at byte %llu has stream "
                                     "type %u (expected 0 to 3); is the output a TTY's, which is "
                                     "not framed?",
                                     d->offset - HEAD_SIZE, (unsigned)h[0]);
        d->type = h[0];
        d->size = (unsigned long long)h[4] << 24 | (unsigned long long)h[5] << 16 |
                  (unsigned long long)h[6] << 8 | (unsigned long long)h[7];
        d->left = d->size;
        d->msg_len = 0;
        return 0;
}

/* The current frame is complete. */
static int demux_frame_end(struct docker_demux *d, struct berth_err *err)
{
        d->head_len = 0;
        if (d->type != TYPE_SYSERR)
                return 0;
        while (d->msg_len && (d->msg[d->msg_len - 1] == '\n' || d->msg[d->msg_len - 1] == '\r'))
                d->msg_len--;
        d->msg[d->msg_len] = '\0';
        return berth_err_set(err, BERTH_ESERVER, "the engine reported an error in the stream: %s",
                             d->msg_len ? d->msg : "(no message)");
}

int docker_demux_feed(struct docker_demux *d, const char *data, size_t len, docker_output_fn fn,
                      void *userdata, struct berth_err *err)
{
        size_t n;
        int r;

        if (d->raw) {
                d->offset += len;
                if (len && fn(DOCKER_STREAM_STDOUT, data, len, userdata))
                        return berth_err_set(err, BERTH_ECANCELLED, "output stream stopped");
                return 0;
        }
        while (len) {
                if (d->head_len < HEAD_SIZE) {
                        n = HEAD_SIZE - d->head_len;
                        n = n < len ? n : len;
                        memcpy(d->head + d->head_len, data, n);
                        d->head_len += n;
                        d->offset += n;
                        data += n;
                        len -= n;
                        if (d->head_len < HEAD_SIZE)
                                break;
                        r = demux_header(d, err);
                        if (r < 0)
                                return r;
                        if (d->left == 0 && (r = demux_frame_end(d, err)) < 0)
                                return r;
                        continue;
                }
                n = d->left < len ? (size_t)d->left : len;
                if (d->type == TYPE_SYSERR) {
                        size_t room = sizeof(d->msg) - 1 - d->msg_len;

                        memcpy(d->msg + d->msg_len, data, n < room ? n : room);
                        d->msg_len += n < room ? n : room;
                } else if (fn(d->type == DOCKER_STREAM_STDERR ? DOCKER_STREAM_STDERR
                                                              : DOCKER_STREAM_STDOUT,
                              data, n, userdata)) {
                        return berth_err_set(err, BERTH_ECANCELLED, "output stream stopped");
                }
                d->left -= n;
                d->offset += n;
                data += n;
                len -= n;
                if (d->left == 0 && (r = demux_frame_end(d, err)) < 0)
                        return r;
        }
        return 0;
}

int docker_demux_finish(const struct docker_demux *d, struct berth_err *err)
{
        if (d->raw || d->head_len == 0)
                return 0;
        if (d->head_len < HEAD_SIZE)
                return berth_err_set(err, BERTH_EPROTO,
                                     "output stream truncated: it ended inside a frame header "
                                     "(%zu of %d bytes) at byte %llu",
                                     d->head_len, HEAD_SIZE, d->offset);
        return berth_err_set(err, BERTH_EPROTO,
                             "output stream truncated: it ended %llu bytes short of the end of "
                             "a %llu-byte %s frame at byte %llu",
                             d->left, d->size, type_name(d->type), d->offset);
}

void docker_output_init(struct docker_output *o, size_t max_each)
{
        if (!max_each)
                max_each = DOCKER_OUTPUT_DEFAULT_MAX;
        berth_buf_init(&o->out, max_each);
        berth_buf_init(&o->errout, max_each);
        o->truncated = 0;
}

void docker_output_release(struct docker_output *o)
{
        berth_buf_release(&o->out);
        berth_buf_release(&o->errout);
        o->truncated = 0;
}

int docker_output_collect(enum docker_stream stream, const char *data, size_t len, void *userdata)
{
        struct docker_output *o = userdata;
        struct berth_buf *b = stream == DOCKER_STREAM_STDERR ? &o->errout : &o->out;
        size_t room = b->max - b->len;

        if (len > room) {
                o->truncated = 1;
                len = room;
        }
        return berth_buf_add(b, data, len) < 0;
}

const char *docker_output_stdout(const struct docker_output *o)
{
        return o->out.data ? o->out.data : "";
}

const char *docker_output_stderr(const struct docker_output *o)
{
        return o->errout.data ? o->errout.data : "";
}

/* docker_call_output(): the demultiplexer between the transport and fn. */
struct output_sink {
        struct docker_demux demux;
        docker_output_fn fn;
        void *userdata;
        int failed; /* the demultiplexer failed: demux_err says why */
        struct berth_err demux_err;
};

static int sink_data(const char *data, size_t len, void *userdata)
{
        struct output_sink *s = userdata;
        int r = docker_demux_feed(&s->demux, data, len, s->fn, s->userdata, &s->demux_err);

        if (r < 0 && r != BERTH_ECANCELLED)
                s->failed = r;
        return r < 0;
}

int docker_call_output(struct docker_client *c, const struct docker_request *req, int raw,
                       docker_output_fn fn, void *userdata, struct berth_err *err)
{
        struct docker_request sreq = *req;
        struct output_sink *s;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        docker_demux_init(&s->demux, raw);
        s->fn = fn;
        s->userdata = userdata;
        sreq.on_data = sink_data;
        sreq.userdata = s;
        r = docker_call(c, &sreq, NULL, err);
        if (r == 0)
                r = docker_demux_finish(&s->demux, &s->demux_err);
        else if (s->failed)
                r = s->failed;
        else
                goto out;
        if (r < 0) {
                *err = s->demux_err;
                berth_err_subject(err, req->op, req->object);
                if (req->op && req->object)
                        berth_err_prefix(err, "cannot %s '%s'", req->op, req->object);
                else if (req->op)
                        berth_err_prefix(err, "cannot %s", req->op);
        }
out:
        free(s);
        return r;
}

void docker_logs_options_init(struct docker_logs_options *o)
{
        memset(o, 0, sizeof(*o));
        o->tail = -1;
        o->tty = DOCKER_TTY_ASK;
}

/* Config.Tty of the container, for DOCKER_TTY_ASK. */
static int logs_container_tty(int *out, struct docker_client *c, const char *esc,
                              const char *container, struct berth_err *err)
{
        char path[600];
        struct docker_request req = {
            .method = "GET", .path = path, .op = "read logs of container", .object = container};
        json_t *j = NULL;
        int r;

        snprintf(path, sizeof(path), "/containers/%s/json", esc);
        r = docker_call_json(c, &req, &j, err);
        r = docker_container_err(r, req.op, container, err);
        if (r == 0)
                *out = json_is_true(json_object_get(json_object_get(j, "Config"), "Tty"));
        json_decref(j);
        return r;
}

int docker_container_logs(struct docker_client *c, const char *container,
                          const struct docker_logs_options *opts, docker_output_fn fn,
                          void *userdata, struct berth_err *err)
{
        struct docker_logs_options defaults;
        struct docker_request req = {.method = "GET", .op = "read logs of container"};
        struct berth_buf path;
        unsigned streams;
        char *esc = NULL;
        int r, tty = 0;

        berth_buf_init(&path, 4096);
        if (!opts) {
                docker_logs_options_init(&defaults);
                opts = &defaults;
        }
        req.object = container;
        esc = docker_escape(container);
        if (!esc) {
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
                goto out;
        }
        if (opts->tty == DOCKER_TTY_ASK) {
                r = logs_container_tty(&tty, c, esc, container, err);
                if (r < 0)
                        goto out;
        } else {
                tty = opts->tty == DOCKER_TTY_YES;
        }
        streams = opts->flags & (DOCKER_LOGS_STDOUT | DOCKER_LOGS_STDERR);
        if (!streams)
                streams = DOCKER_LOGS_STDOUT | DOCKER_LOGS_STDERR;
        r = berth_buf_printf(
            &path, "/containers/%s/logs?stdout=%d&stderr=%d&follow=%d&timestamps=%d", esc,
            !!(streams & DOCKER_LOGS_STDOUT), !!(streams & DOCKER_LOGS_STDERR),
            !!(opts->flags & DOCKER_LOGS_FOLLOW), !!(opts->flags & DOCKER_LOGS_TIMESTAMPS));
        if (r == 0 && opts->tail >= 0)
                r = berth_buf_printf(&path, "&tail=%ld", opts->tail);
        if (r == 0 && opts->since > 0)
                r = berth_buf_printf(&path, "&since=%lld", opts->since);
        if (r == 0 && opts->until > 0)
                r = berth_buf_printf(&path, "&until=%lld", opts->until);
        if (r < 0) {
                r = berth_err_set(err, r, "cannot read logs of container '%s': %s", container,
                                  r == BERTH_ENOMEM ? "out of memory" : "name too long");
                goto out;
        }
        req.path = path.data;
        req.cancel = opts->cancel;
        if (opts->flags & DOCKER_LOGS_FOLLOW)
                req.timeout_ms = -1;
        r = docker_call_output(c, &req, tty, fn, userdata, err);
        r = docker_container_err(r, req.op, container, err);
out:
        free(esc);
        berth_buf_release(&path);
        return r;
}
