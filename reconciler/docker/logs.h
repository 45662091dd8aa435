/* docker/logs.h - container output: the demultiplexer for the engine's
 * framed stdout/stderr streams, an output collector with size limits, and
 * GET /containers/{id}/logs.
 *
 * Without a TTY the engine frames output as an 8-byte header
 * [type, 0, 0, 0, size as a big-endian uint32] and then size bytes of
 * payload; type 1 is stdout, 2 stderr, 0 stdin (written on stdout) and 3 an
 * error from the engine itself.  With a TTY the stream is raw, all stdout.
 * The same framing comes back from exec start (docker/exec.h).
 *
 * The demultiplexer is pure and incremental: feed it the stream in chunks
 * split anywhere (inside a header too) and it calls back with each piece of
 * payload and the stream it belongs to.
 *
 * May not use: manifest, model, diff, plan, exec, watch.
 */
#ifndef BERTH_DOCKER_LOGS_H
#define BERTH_DOCKER_LOGS_H

#include <stdatomic.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/err.h"
#include "docker/client.h"

enum docker_stream {
        DOCKER_STREAM_STDOUT = 1,
        DOCKER_STREAM_STDERR = 2,
};

/* Called with a piece of output of one stream (a frame's payload may come
 * in several pieces; len is never 0).  Return non-zero to stop: the call
 * feeding it then returns BERTH_ECANCELLED. */
typedef int (*docker_output_fn)(enum docker_stream stream, const char *data, size_t len,
                                void *userdata);

/* Demultiplexer state; embed it and docker_demux_init() it.  Holds no
 * memory beyond itself (a type 3 message is kept in msg, truncated). */
struct docker_demux {
        int raw;                 /* TTY: no framing, everything is stdout */
        unsigned char head[8];   /* the header being read */
        size_t head_len;         /* bytes of head read so far */
        unsigned long long left; /* payload bytes left in the current frame */
        unsigned long long size; /* size of the current frame */
        int type;                /* stream type of the current frame */
        char msg[256];           /* payload of an engine error frame (type 3) */
        size_t msg_len;
        unsigned long long offset; /* stream bytes consumed, for messages */
};

void docker_demux_init(struct docker_demux *d, int raw);

/* Feed the next len bytes of the stream.  Returns 0; BERTH_ECANCELLED when
 * fn asked to stop; BERTH_EPROTO for a stream type other than 0-3 (the
 * message gives the byte offset and the type, and says the stream may be a
 * TTY's); BERTH_ESERVER with the engine's text for a type 3 frame.  After
 * an error the state is undefined: stop feeding. */
int docker_demux_feed(struct docker_demux *d, const char *data, size_t len, docker_output_fn fn,
                      void *userdata, struct berth_err *err);

/* The stream has ended: BERTH_EPROTO when it ended inside a frame (header
 * or payload), with a message saying how much was missing; 0 otherwise. */
int docker_demux_finish(const struct docker_demux *d, struct berth_err *err);

/* Collected output of both streams, each bounded.  Output past a stream's
 * maximum is dropped (not an error) and truncated is set. */
struct docker_output {
        struct berth_buf out;    /* stdout, NUL-terminated once anything came */
        struct berth_buf errout; /* stderr */
        int truncated;
};

#define DOCKER_OUTPUT_DEFAULT_MAX (1UL << 20)

/* max_each: bytes kept per stream (0: DOCKER_OUTPUT_DEFAULT_MAX). */
void docker_output_init(struct docker_output *o, size_t max_each);
void docker_output_release(struct docker_output *o);
/* A docker_output_fn appending to the struct docker_output in userdata;
 * stops (returns non-zero) only when out of memory. */
int docker_output_collect(enum docker_stream stream, const char *data, size_t len, void *userdata);
/* The collected text, "" when nothing came (never NULL; borrowed). */
const char *docker_output_stdout(const struct docker_output *o);
const char *docker_output_stderr(const struct docker_output *o);

enum docker_logs_flags {
        DOCKER_LOGS_STDOUT = 1 << 0, /* neither STDOUT nor STDERR: both */
        DOCKER_LOGS_STDERR = 1 << 1,
        DOCKER_LOGS_FOLLOW = 1 << 2,     /* keep streaming until cancelled or the end */
        DOCKER_LOGS_TIMESTAMPS = 1 << 3, /* RFC 3339 time and a space before each line */
};

enum docker_tty {
        DOCKER_TTY_ASK = 0, /* inspect the container (one more call) */
        DOCKER_TTY_NO,      /* framed stream */
        DOCKER_TTY_YES,     /* raw stream */
};

struct docker_logs_options {
        unsigned flags;  /* docker_logs_flags */
        long tail;       /* last n lines; < 0: all */
        long long since; /* unix seconds; 0: from the start */
        long long until; /* unix seconds; 0: up to now (or on, with FOLLOW) */
        enum docker_tty tty;
        atomic_int *cancel; /* set non-zero to end a FOLLOW stream: BERTH_ECANCELLED */
};

/* Both streams, everything, no follow, TTY asked. */
void docker_logs_options_init(struct docker_logs_options *o);

/* docker_call() for a request whose body is framed output (logs, exec
 * start): the body goes through a docker_demux (raw: a TTY's stream) to fn.
 * req->on_data and req->userdata are ignored.  Returns what docker_call()
 * does, or the demultiplexer's error prefixed with "cannot <op> '<object>'". */
int docker_call_output(struct docker_client *c, const struct docker_request *req, int raw,
                       docker_output_fn fn, void *userdata, struct berth_err *err);

/* Stream the logs of container (name or id) to fn, demultiplexed.  opts
 * may be NULL (the defaults).  Without FOLLOW the call has the client's
 * timeout; with it none, and it ends when the container stops (0) or when
 * *opts->cancel or fn stops it (BERTH_ECANCELLED).  Errors read
 * "cannot read logs of container '<name>': ...". */
int docker_container_logs(struct docker_client *c, const char *container,
                          const struct docker_logs_options *opts, docker_output_fn fn,
                          void *userdata, struct berth_err *err);

#endif
