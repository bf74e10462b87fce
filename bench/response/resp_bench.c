/* resp_bench.c - load generator and meter for the response service's live
 * path (bench/response/run.sh runs it against `knute serve` with demo data):
 * N console streams (GET /api/v1/resp/stream, Server-Sent Events) and alarms
 * POSTed at a fixed open-loop rate over keep-alive connections, all on one
 * thread with epoll.
 *
 *   resp_bench --port P --citizen-key K --alarm-key K --console-key K
 *              [--streams 200] [--rate 1000] [--duration 600] [--conns 32]
 *              [--citizens N] [--pid KNUTE_PID] [--drain 3]
 *
 * Phases: (1) create N synthetic citizens (POST .../citizens, valid person
 * numbers from birth years the demo data does not use), 3 in Knutby for 1 in
 * Fjordvik, so alarm k goes to citizen k mod N with alert code k / N mod the
 * code count and no two open alarms share citizen and code (no merging for
 * N x codes alarms); (2) open the streams, every fourth one for Fjordvik only
 * (?municipality=), the others for both; (3) POST alarms at --rate for
 * --duration seconds; the send time is in each alarm's text, and the POST's
 * answer gives the event's seq (last_seq), which is the frame's SSE id.
 *
 * Measured: for every (alarm, stream that should see it) pair the time from
 * the POST being written to the socket to the frame's arrival (p50, p99, max
 * per stream and overall, log-linear histogram, 10 us resolution below 100
 * ms); frames missed (expected by municipality, never arrived), duplicates,
 * resets, streams that ended; the achieved rate and the answers' statuses;
 * the server's RSS every 10 s (--pid). Prints a summary and one JSON line
 * "RESULT {...}"; exits 1 when frames were missed, a stream ended or reset,
 * or any alarm was refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define KNUTBY "939000011"
#define FJORDVIK "939000038"
#define HIST_FINE 10000         /* 10 us buckets up to 100 ms */
#define HIST_COARSE 1000        /* then 10 ms buckets up to 10 s */
#define RBUF_MAX (4 << 20)

static const char *const CODES[] = {
    "1",    "1.1",  "1.2",  "1.3",  "1.4",  "1.10", "1.11", "1.12", "1.13", "1.15", "1.22",
    "2",    "3",    "4",    "4.1",  "4.2",  "4.3",  "4.4",  "4.5",  "4.6",  "4.7",  "4.8",
    "4.9",  "4.10", "4.11", "4.12", "4.13", "4.14", "4.15", "4.16", "4.17", "4.18", "4.19",
    "4.20", "4.21", "4.22", "4.23",
};
#define NCODES (sizeof CODES / sizeof CODES[0])

/* ---- options ---- */

static struct {
    int port;
    const char *citizen_key, *alarm_key, *console_key;
    int streams, rate, duration, conns, citizens, pid, drain;
} opt = {0, NULL, NULL, NULL, 200, 1000, 600, 32, 0, 0, 3};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "resp_bench: %s\n", what);
    exit(2);
}

/* ---- histogram (ns in, 10 us / 10 ms buckets) ---- */

typedef struct hist {
    uint32_t fine[HIST_FINE];
    uint32_t coarse[HIST_COARSE + 1];
    uint64_t n;
    int64_t max;
} hist;

static void hist_add(hist *h, int64_t ns)
{
    if (ns < 0)
        ns = 0;
    int64_t us10 = ns / 10000;
    if (us10 < HIST_FINE)
        h->fine[us10]++;
    else {
        int64_t ms10 = ns / 10000000;
        h->coarse[ms10 < HIST_COARSE ? ms10 : HIST_COARSE]++;
    }
    h->n++;
    if (ns > h->max)
        h->max = ns;
}

static void hist_merge(hist *into, const hist *h)
{
    for (int i = 0; i < HIST_FINE; i++)
        into->fine[i] += h->fine[i];
    for (int i = 0; i <= HIST_COARSE; i++)
        into->coarse[i] += h->coarse[i];
    into->n += h->n;
    if (h->max > into->max)
        into->max = h->max;
}

/* The q-quantile in ms (upper edge of its bucket). */
static double hist_q(const hist *h, double q)
{
    if (!h->n)
        return 0;
    uint64_t want = (uint64_t)(q * (double)h->n);
    if (want >= h->n)
        want = h->n - 1;
    uint64_t seen = 0;
    for (int i = 0; i < HIST_FINE; i++)
        if ((seen += h->fine[i]) > want)
            return (i + 1) * 0.01;
    for (int i = 0; i <= HIST_COARSE; i++)
        if ((seen += h->coarse[i]) > want)
            return (i + 1) * 10.0;
    return (double)h->max / 1e6;
}

/* ---- connections ---- */

enum { C_POST = 1, C_STREAM };
enum { REQ_NONE = 0, REQ_CITIZEN, REQ_ALARM };

typedef struct conn {
    int fd, kind, idx;
    char *w;
    size_t wlen, woff, wcap;
    char *r;
    size_t rlen, rcap;
    /* POST */
    int req;
    int64_t sent_ns;
    int muni; /* 1 Knutby, 2 Fjordvik */
    /* stream */
    int mask; /* municipalities it listens to */
    int hdr_done, chunked, ended;
    int cstate; /* 0 size line, 1 data, 2 CRLF */
    size_t cleft;
    char *s;
    size_t slen, scap, sscan;
    uint64_t *bits;
    hist h;
    uint64_t frames, dups, resets, pings, unknown;
} conn;

static int epfd;
static conn *posts, *streams;
static int64_t base_seq;      /* events at or below it are not ours */
static size_t seq_cap;
static int64_t *send_at;      /* by seq - base_seq: when its POST was written; 0 unknown */
static uint8_t *seq_muni;
static char (*cit_id)[40];
static int *cit_muni;
static int ncit;

typedef struct pend {
    int stream;
    int64_t seq, at;
} pend;
static pend *pending;
static size_t npending, pending_cap;

static hist post_hist;                /* POST written -> answer read (alarms) */
static hist win_post, win_frame;      /* the same and the frames, this 10 s window */

static struct {
    uint64_t sent, ok_new, ok_repeat, ok_dup, refused, late, created, create_failed;
    int64_t max_backlog;
    char first_error[256];
} st;

static void grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return;
    size_t c = *cap ? *cap : 4096;
    while (c < need)
        c *= 2;
    if (c > RBUF_MAX * 4)
        die("a buffer grew past 16 MiB");
    char *p = realloc(*buf, c);
    if (!p)
        die("out of memory");
    *buf = p;
    *cap = c;
}

static int connect_to(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS)
        die("connect");
    return fd;
}

static void watch(conn *c, int out)
{
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0 && epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
        die("epoll_ctl");
}

static void flush(conn *c)
{
    while (c->woff < c->wlen) {
        ssize_t n = send(c->fd, c->w + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                break;
            die("send failed (server gone?)");
        }
        c->woff += (size_t)n;
    }
    watch(c, c->woff < c->wlen);
}

static void queue_request(conn *c, const char *method, const char *path, const char *key,
                          const char *body)
{
    size_t blen = body ? strlen(body) : 0;
    grow(&c->w, &c->wcap, 512 + strlen(path) + strlen(key) + blen);
    int n = snprintf(c->w, c->wcap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n",
                     method, path, key);
    if (body)
        n += snprintf(c->w + n, c->wcap - (size_t)n,
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", blen);
    else
        n += snprintf(c->w + n, c->wcap - (size_t)n, "Accept: text/event-stream\r\n\r\n");
    if (body)
        memcpy(c->w + n, body, blen);
    c->wlen = (size_t)n + blen;
    c->woff = 0;
    flush(c);
}

/* ---- synthetic person numbers (as bench/post_citizens.lua) ---- */

static int nin_complete(const char first9[10], char out[12])
{
    static const int w1[] = {3, 7, 6, 1, 8, 9, 4, 5, 2}, w2[] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
    int s = 0;
    for (int j = 0; j < 9; j++)
        s += (first9[j] - '0') * w1[j];
    int k1 = 11 - s % 11;
    if (k1 == 11)
        k1 = 0;
    if (k1 == 10)
        return 0;
    s = k1 * w2[9];
    for (int j = 0; j < 9; j++)
        s += (first9[j] - '0') * w2[j];
    int k2 = 11 - s % 11;
    if (k2 == 11)
        k2 = 0;
    if (k2 == 10)
        return 0;
    memcpy(out, first9, 9);
    out[9] = (char)('0' + k1);
    out[10] = (char)('0' + k2);
    out[11] = '\0';
    return 1;
}

/* Candidate k: birth years 1900-1927 (the demo uses 1928-1957; bench/run.sh
 * uses these too, but on its own database). */
static int nin_candidate(long k, char out[12])
{
    int ind = (int)(k % 500);
    k /= 500;
    int day = 1 + (int)(k % 28);
    k /= 28;
    int month = 1 + (int)(k % 12);
    k /= 12;
    if (k > 27)
        die("synthetic person numbers exhausted");
    char first9[16];
    snprintf(first9, sizeof first9, "%02d%02d%02d%03d", day % 100, (month + 80) % 100,
             (int)k % 100, ind % 1000);
    return nin_complete(first9, out);
}

/* ---- POST answers ---- */

/* A complete response at the start of c->r: status, body, consumed bytes. */
static int take_response(conn *c, int *status, const char **body, size_t *blen, size_t *used)
{
    char *end = memmem(c->r, c->rlen, "\r\n\r\n", 4);
    if (!end)
        return 0;
    size_t hlen = (size_t)(end - c->r) + 4;
    *status = atoi(c->r + 9);
    size_t clen = 0;
    for (char *p = c->r; p < end; p++)
        if ((*p == '\n') && strncasecmp(p + 1, "content-length:", 15) == 0)
            clen = (size_t)strtoul(p + 16, NULL, 10);
    if (c->rlen < hlen + clen)
        return 0;
    *body = c->r + hlen;
    *blen = clen;
    *used = hlen + clen;
    return 1;
}

/* "name":<number> or "name":"<string>" in a JSON text (the top level's first). */
static const char *json_field(const char *body, size_t len, const char *name)
{
    char key[64];
    int n = snprintf(key, sizeof key, "\"%s\":", name);
    const char *p = memmem(body, len, key, (size_t)n);
    return p ? p + n : NULL;
}

static void record(int si, int64_t seq, int64_t at)
{
    conn *s = &streams[si];
    int64_t t = send_at[seq - base_seq];
    if (t == 0) {
        if (npending == pending_cap) {
            pending_cap = pending_cap ? pending_cap * 2 : 4096;
            pending = realloc(pending, pending_cap * sizeof *pending);
            if (!pending)
                die("out of memory");
        }
        pending[npending++] = (pend){si, seq, at};
        return;
    }
    hist_add(&s->h, at - t);
    hist_add(&win_frame, at - t);
}

static void resolve_pending(void)
{
    size_t keep = 0;
    for (size_t i = 0; i < npending; i++) {
        int64_t t = send_at[pending[i].seq - base_seq];
        if (t) {
            hist_add(&streams[pending[i].stream].h, pending[i].at - t);
            hist_add(&win_frame, pending[i].at - t);
        }
        else
            pending[keep++] = pending[i];
    }
    npending = keep;
}

static void post_answer(conn *c, int status, const char *body, size_t blen)
{
    if (c->req == REQ_CITIZEN) {
        const char *id = json_field(body, blen, "id");
        if (status == 201 && id && *id == '"') {
            int i = ncit++;
            snprintf(cit_id[i], sizeof cit_id[i], "%.*s", (int)strcspn(id + 1, "\""), id + 1);
            cit_muni[i] = c->muni;
            st.created++;
        } else {
            st.create_failed++;
            if (!st.first_error[0])
                snprintf(st.first_error, sizeof st.first_error, "citizen %d: %.200s", status, body);
        }
        return;
    }
    const char *seqp = json_field(body, blen, "last_seq");
    const char *intake = json_field(body, blen, "intake");
    if ((status != 200 && status != 201) || !seqp) {
        st.refused++;
        if (!st.first_error[0])
            snprintf(st.first_error, sizeof st.first_error, "alarm %d: %.200s", status, body);
        return;
    }
    int64_t seq = strtoll(seqp, NULL, 10);
    hist_add(&post_hist, now_ns() - c->sent_ns);
    hist_add(&win_post, now_ns() - c->sent_ns);
    if (intake && strncmp(intake, "\"duplicate\"", 11) == 0) {
        st.ok_dup++;
        return; /* no event: nothing to expect */
    }
    if (intake && strncmp(intake, "\"repeat\"", 8) == 0)
        st.ok_repeat++;
    else
        st.ok_new++;
    if (seq <= base_seq || (size_t)(seq - base_seq) >= seq_cap)
        die("a seq outside the expected range (other writers on this database?)");
    send_at[seq - base_seq] = c->sent_ns;
    seq_muni[seq - base_seq] = (uint8_t)c->muni;
}

static void post_readable(conn *c)
{
    for (;;) {
        grow(&c->r, &c->rcap, c->rlen + 65536);
        ssize_t n = recv(c->fd, c->r + c->rlen, c->rcap - c->rlen, 0);
        if (n == 0)
            die("the server closed a POST connection");
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                break;
            die("recv failed on a POST connection");
        }
        c->rlen += (size_t)n;
    }
    int status;
    const char *body;
    size_t blen, used;
    while (c->req && take_response(c, &status, &body, &blen, &used)) {
        post_answer(c, status, body, blen);
        c->req = REQ_NONE;
        memmove(c->r, c->r + used, c->rlen - used);
        c->rlen -= used;
    }
}

/* ---- streams: chunked decoding, then SSE frames ---- */

static void sse_frames(conn *c, int64_t at)
{
    for (;;) {
        char *end = c->slen > c->sscan ? memmem(c->s + c->sscan, c->slen - c->sscan, "\n\n", 2) : NULL;
        if (!end) {
            c->sscan = c->slen > 0 ? c->slen - 1 : 0;
            return;
        }
        size_t flen = (size_t)(end - c->s) + 2;
        const char *f = c->s;
        if (f[0] == ':') {
            c->pings++;
        } else if (strncmp(f, "retry:", 6) == 0) {
            /* hello */
        } else if (strncmp(f, "id: ", 4) == 0) {
            int64_t seq = strtoll(f + 4, NULL, 10);
            const char *ev = memmem(f, flen, "\nevent: ", 8);
            if (ev && strncmp(ev + 8, "reset", 5) == 0) {
                c->resets++;
            } else if (ev && strncmp(ev + 8, "alarm", 5) == 0) {
                c->frames++;
                if (seq > base_seq && (size_t)(seq - base_seq) < seq_cap) {
                    uint64_t bit = (uint64_t)(seq - base_seq);
                    if (c->bits[bit / 64] & (1ull << (bit % 64)))
                        c->dups++;
                    else {
                        c->bits[bit / 64] |= 1ull << (bit % 64);
                        record(c->idx, seq, at);
                    }
                }
            } else {
                c->unknown++;
            }
        } else {
            c->unknown++;
        }
        memmove(c->s, c->s + flen, c->slen - flen);
        c->slen -= flen;
        c->sscan = 0;
    }
}

static void stream_bytes(conn *c, const char *p, size_t n)
{
    while (n > 0) {
        if (c->cstate == 0) { /* "<hex>\r\n" */
            const char *nl = memchr(p, '\n', n);
            grow(&c->r, &c->rcap, c->rlen + n + 1);
            size_t take = nl ? (size_t)(nl - p) + 1 : n;
            memcpy(c->r + c->rlen, p, take);
            c->rlen += take;
            p += take;
            n -= take;
            if (!nl)
                return;
            c->r[c->rlen] = '\0';
            c->cleft = (size_t)strtoul(c->r, NULL, 16);
            c->rlen = 0;
            if (c->cleft == 0) {
                c->ended = 1;
                return;
            }
            c->cstate = 1;
        } else if (c->cstate == 1) {
            size_t take = n < c->cleft ? n : c->cleft;
            grow(&c->s, &c->scap, c->slen + take);
            memcpy(c->s + c->slen, p, take);
            c->slen += take;
            c->cleft -= take;
            p += take;
            n -= take;
            if (c->cleft == 0)
                c->cstate = 2, c->cleft = 2;
        } else { /* the CRLF after a chunk */
            size_t take = n < c->cleft ? n : c->cleft;
            c->cleft -= take;
            p += take;
            n -= take;
            if (c->cleft == 0)
                c->cstate = 0;
        }
    }
}

static void stream_readable(conn *c)
{
    static char buf[1 << 16];
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n == 0) {
            c->ended = 1;
            epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
            return;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                break;
            c->ended = 1;
            epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
            return;
        }
        int64_t at = now_ns();
        const char *p = buf;
        size_t len = (size_t)n;
        if (!c->hdr_done) {
            grow(&c->r, &c->rcap, c->rlen + len);
            memcpy(c->r + c->rlen, p, len);
            c->rlen += len;
            char *end = memmem(c->r, c->rlen, "\r\n\r\n", 4);
            if (!end)
                continue;
            if (atoi(c->r + 9) != 200) {
                fprintf(stderr, "resp_bench: stream %d answered: %.300s\n", c->idx, c->r);
                die("a stream was refused");
            }
            *end = '\0';
            for (char *q = c->r; *q; q++)
                if (*q == '\n' && strncasecmp(q + 1, "transfer-encoding: chunked", 26) == 0)
                    c->chunked = 1;
            size_t hlen = (size_t)(end - c->r) + 4;
            size_t rest = c->rlen - hlen;
            char *tmp = malloc(rest + 1);
            memcpy(tmp, c->r + hlen, rest);
            c->rlen = 0;
            c->hdr_done = 1;
            if (c->chunked)
                stream_bytes(c, tmp, rest);
            else {
                grow(&c->s, &c->scap, c->slen + rest);
                memcpy(c->s + c->slen, tmp, rest);
                c->slen += rest;
            }
            free(tmp);
        } else if (c->chunked) {
            stream_bytes(c, p, len);
        } else {
            grow(&c->s, &c->scap, c->slen + len);
            memcpy(c->s + c->slen, p, len);
            c->slen += len;
        }
        sse_frames(c, at);
    }
}

/* ---- the event loop ---- */

static void poll_once(int timeout_ms)
{
    struct epoll_event evs[256];
    int n = epoll_wait(epfd, evs, 256, timeout_ms);
    for (int i = 0; i < n; i++) {
        conn *c = evs[i].data.ptr;
        if (evs[i].events & EPOLLOUT)
            flush(c);
        if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
            if (c->kind == C_POST)
                post_readable(c);
            else
                stream_readable(c);
        }
    }
}

static conn *idle_post(void)
{
    static int next;
    for (int i = 0; i < opt.conns; i++) {
        conn *c = &posts[(next + i) % opt.conns];
        if (!c->req) {
            next = (next + i + 1) % opt.conns;
            return c;
        }
    }
    return NULL;
}

static int posts_busy(void)
{
    int busy = 0;
    for (int i = 0; i < opt.conns; i++)
        busy += posts[i].req != REQ_NONE;
    return busy;
}

static void create_citizens(void)
{
    long cand = 0;
    int sent = 0;
    while (sent < opt.citizens || posts_busy()) {
        conn *c;
        while (sent < opt.citizens && (c = idle_post())) {
            char nin[12];
            while (!nin_candidate(cand++, nin))
                ;
            c->muni = sent % 4 == 3 ? 2 : 1;
            char body[256], path[96];
            snprintf(body, sizeof body,
                     "{\"nin\":\"%s\",\"given_name\":\"Benk\",\"family_name\":\"Alarmsen\","
                     "\"address\":\"Benkeveien %d, %s\",\"phone\":\"+47 40000000\"}",
                     nin, sent % 200 + 1, c->muni == 2 ? "6800 Fjordvik" : "4760 Knutby");
            snprintf(path, sizeof path, "/api/v1/municipalities/%s/citizens",
                     c->muni == 2 ? FJORDVIK : KNUTBY);
            c->req = REQ_CITIZEN;
            queue_request(c, "POST", path, opt.citizen_key, body);
            sent++;
        }
        poll_once(100);
    }
}

static void send_alarm(conn *c, int64_t k)
{
    int ci = (int)(k % ncit);
    const char *code = CODES[(k / ncit) % (int64_t)NCODES];
    char when[32], body[512], path[96];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    c->muni = cit_muni[ci];
    c->sent_ns = now_ns();
    snprintf(body, sizeof body,
             "{\"citizen_id\":\"%s\",\"alert_code\":\"%s\",\"time\":\"%s\",\"text\":\"bench k=%lld sent_ns=%lld\"}",
             cit_id[ci], code, when, (long long)k, (long long)c->sent_ns);
    snprintf(path, sizeof path, "/api/v1/municipalities/%s/alarms", c->muni == 2 ? FJORDVIK : KNUTBY);
    c->req = REQ_ALARM;
    queue_request(c, "POST", path, opt.alarm_key, body);
    st.sent++;
}

static long rss_kb(void)
{
    if (!opt.pid)
        return 0;
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", opt.pid);
    FILE *f = fopen(path, "r");
    long kb = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

/* utime + stime of the server in seconds (0 without --pid). */
static double cpu_s(void)
{
    if (!opt.pid)
        return 0;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", opt.pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* fields after the command name; utime is the 12th */
    unsigned long long ut = 0, stt = 0;
    if (p)
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &stt);
    return (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
}

/* Blocking GET of the newest event seq before the run. */
static int64_t fetch_last_seq(void)
{
    conn c = {.kind = C_POST};
    c.fd = connect_to();
    int fl = fcntl(c.fd, F_GETFL);
    fcntl(c.fd, F_SETFL, fl & ~O_NONBLOCK);
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET /api/v1/resp/alarms?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Authorization: Bearer %s\r\nConnection: close\r\n\r\n",
                     opt.console_key);
    if (send(c.fd, req, (size_t)n, MSG_NOSIGNAL) != n)
        die("cannot ask for last_seq");
    for (;;) {
        grow(&c.r, &c.rcap, c.rlen + 65536);
        ssize_t got = recv(c.fd, c.r + c.rlen, c.rcap - c.rlen, 0);
        if (got <= 0)
            break;
        c.rlen += (size_t)got;
    }
    close(c.fd);
    int status;
    const char *body;
    size_t blen, used;
    if (!take_response(&c, &status, &body, &blen, &used) || status != 200)
        die("GET /api/v1/resp/alarms failed");
    const char *p = json_field(body, blen, "last_seq");
    if (!p)
        die("no last_seq in the queue's answer");
    int64_t seq = strtoll(p, NULL, 10);
    free(c.r);
    return seq;
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            die("every option takes a value");
        if (!strcmp(a, "--port")) opt.port = atoi(v);
        else if (!strcmp(a, "--citizen-key")) opt.citizen_key = v;
        else if (!strcmp(a, "--alarm-key")) opt.alarm_key = v;
        else if (!strcmp(a, "--console-key")) opt.console_key = v;
        else if (!strcmp(a, "--streams")) opt.streams = atoi(v);
        else if (!strcmp(a, "--rate")) opt.rate = atoi(v);
        else if (!strcmp(a, "--duration")) opt.duration = atoi(v);
        else if (!strcmp(a, "--conns")) opt.conns = atoi(v);
        else if (!strcmp(a, "--citizens")) opt.citizens = atoi(v);
        else if (!strcmp(a, "--pid")) opt.pid = atoi(v);
        else if (!strcmp(a, "--drain")) opt.drain = atoi(v);
        else die("unknown option (see the comment at the top of resp_bench.c)");
    }
    if (!opt.port || !opt.citizen_key || !opt.alarm_key || !opt.console_key)
        die("--port, --citizen-key, --alarm-key and --console-key are required");
    if (opt.streams < 1 || opt.rate < 1 || opt.duration < 1 || opt.conns < 1)
        die("--streams, --rate, --duration and --conns must be positive");
    if (!opt.citizens) { /* enough that no (citizen, code) pair repeats */
        long need = (long)opt.rate * opt.duration / (long)NCODES + 64;
        opt.citizens = (int)(need < 20000 ? need : 20000);
    }
}

static void open_streams(void)
{
    for (int i = 0; i < opt.streams; i++) {
        conn *c = &streams[i];
        c->kind = C_STREAM;
        c->idx = i;
        c->fd = connect_to();
        c->mask = i % 4 == 3 ? 2 : 3;
        c->bits = calloc(seq_cap / 64 + 1, sizeof *c->bits);
        if (!c->bits)
            die("out of memory");
        queue_request(c, "GET", c->mask == 2 ? "/api/v1/resp/stream?municipality=" FJORDVIK
                                             : "/api/v1/resp/stream",
                      opt.console_key, NULL);
    }
    int64_t until = now_ns() + 10 * 1000000000LL;
    for (;;) {
        int ready = 0;
        for (int i = 0; i < opt.streams; i++)
            ready += streams[i].hdr_done;
        if (ready == opt.streams)
            break;
        if (now_ns() > until)
            die("streams did not open within 10 s");
        poll_once(50);
    }
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    epfd = epoll_create1(0);
    posts = calloc((size_t)opt.conns, sizeof *posts);
    streams = calloc((size_t)opt.streams, sizeof *streams);
    cit_id = calloc((size_t)opt.citizens, sizeof *cit_id);
    cit_muni = calloc((size_t)opt.citizens, sizeof *cit_muni);
    if (!posts || !streams || !cit_id || !cit_muni)
        die("out of memory");
    for (int i = 0; i < opt.conns; i++) {
        posts[i].kind = C_POST;
        posts[i].idx = i;
        posts[i].fd = connect_to();
        watch(&posts[i], 1);
    }
    int64_t t_c = now_ns();
    create_citizens();
    fprintf(stderr, "resp_bench: %llu citizens created in %.1f s (%llu failed)\n",
            (unsigned long long)st.created, (double)(now_ns() - t_c) / 1e9,
            (unsigned long long)st.create_failed);
    if (ncit == 0)
        die(st.first_error[0] ? st.first_error : "no citizen could be created");

    base_seq = fetch_last_seq();
    seq_cap = (size_t)opt.rate * (size_t)opt.duration * 2 + 100000;
    send_at = calloc(seq_cap, sizeof *send_at);
    seq_muni = calloc(seq_cap, 1);
    if (!send_at || !seq_muni)
        die("out of memory");
    open_streams();
    fprintf(stderr, "resp_bench: %d streams open; posting %d alarms/s for %d s over %d connections\n",
            opt.streams, opt.rate, opt.duration, opt.conns);

    long rss[1024];
    int nrss = 0;
    rss[nrss++] = rss_kb();
    double cpu0 = cpu_s();
    int64_t period = 1000000000LL / opt.rate;
    int64_t t0 = now_ns(), end = t0 + (int64_t)opt.duration * 1000000000LL;
    int64_t next_rss = t0 + 10000000000LL, next_resolve = t0;
    int64_t k = 0, total = (int64_t)opt.rate * opt.duration;
    while (k < total) {
        int64_t now = now_ns();
        int64_t due = (now - t0) / period + 1; /* requests that should have been sent by now */
        if (due > total)
            due = total;
        conn *c;
        while (k < due && (c = idle_post()))
            send_alarm(c, k++);
        if (due - k > st.max_backlog)
            st.max_backlog = due - k;
        if (k < due)
            st.late++;
        if (now >= next_rss && nrss < 1024) {
            rss[nrss++] = rss_kb();
            next_rss += 10000000000LL;
            fprintf(stderr, "resp_bench: t=%3ds sent %lld, answer p99 %.1f max %.1f ms, frame p99 %.1f max %.1f ms, RSS %.1f MB\n",
                    (nrss - 1) * 10, (long long)k, hist_q(&win_post, 0.99), (double)win_post.max / 1e6,
                    hist_q(&win_frame, 0.99), (double)win_frame.max / 1e6, (double)rss[nrss - 1] / 1024);
            memset(&win_post, 0, sizeof win_post);
            memset(&win_frame, 0, sizeof win_frame);
        }
        if (now >= next_resolve) {
            resolve_pending();
            next_resolve = now + 5000000;
        }
        int64_t wait = t0 + k * period - now_ns();
        poll_once(k < due ? 1 : (int)(wait > 0 ? wait / 1000000 : 0));
    }
    int64_t t_sent = now_ns();
    double cpu1 = cpu_s();
    /* let the answers and frames in flight arrive */
    int64_t drain_until = now_ns() + (int64_t)opt.drain * 1000000000LL;
    while (now_ns() < drain_until || posts_busy()) {
        poll_once(20);
        if (now_ns() > drain_until + 30000000000LL)
            break;
    }
    resolve_pending();
    rss[nrss++] = rss_kb();
    double secs = (double)(t_sent - t0) / 1e9;
    (void)end;

    /* ---- report ---- */
    hist all;
    memset(&all, 0, sizeof all);
    uint64_t missed = 0, dups = 0, resets = 0, ended = 0, frames = 0;
    double worst_p99 = 0, worst_max = 0;
    int worst = 0;
    size_t nseq = seq_cap;
    for (int i = 0; i < opt.streams; i++) {
        conn *c = &streams[i];
        uint64_t m = 0;
        for (size_t s = 1; s < nseq; s++)
            if (send_at[s] && (seq_muni[s] & c->mask) && !(c->bits[s / 64] & (1ull << (s % 64))))
                m++;
        missed += m;
        dups += c->dups;
        resets += c->resets;
        ended += (uint64_t)c->ended;
        frames += c->frames;
        hist_merge(&all, &c->h);
        double p99 = hist_q(&c->h, 0.99);
        if (p99 > worst_p99)
            worst_p99 = p99, worst = i;
        if ((double)c->h.max / 1e6 > worst_max)
            worst_max = (double)c->h.max / 1e6;
        if (i < 4 || m || c->resets || c->ended)
            printf("stream %3d (%s): %8llu frames, p50 %6.2f ms, p99 %6.2f ms, max %7.2f ms, missed %llu, resets %llu%s\n",
                   i, c->mask == 2 ? "Fjordvik" : "both    ", (unsigned long long)c->h.n,
                   hist_q(&c->h, 0.5), p99, (double)c->h.max / 1e6, (unsigned long long)m,
                   (unsigned long long)c->resets, c->ended ? ", ENDED" : "");
    }
    if (opt.streams > 4)
        printf("... (%d streams; the worst p99 is stream %d: %.2f ms)\n", opt.streams, worst, worst_p99);
    uint64_t ok = st.ok_new + st.ok_repeat + st.ok_dup;
    printf("alarms: %llu sent, %llu accepted (%llu new, %llu repeat, %llu duplicate), %llu refused; "
           "achieved %.1f/s (target %d/s); late ticks %llu, max backlog %lld\n",
           (unsigned long long)st.sent, (unsigned long long)ok, (unsigned long long)st.ok_new,
           (unsigned long long)st.ok_repeat, (unsigned long long)st.ok_dup,
           (unsigned long long)st.refused, (double)ok / secs, opt.rate,
           (unsigned long long)st.late, (long long)st.max_backlog);
    if (st.first_error[0])
        printf("first error: %s\n", st.first_error);
    if (opt.pid)
        printf("knute CPU while posting: %.2f cores (%.0f us per alarm)\n", (cpu1 - cpu0) / secs,
               (cpu1 - cpu0) / (double)(ok ? ok : 1) * 1e6);
    printf("POST sent -> frame arrived, all %llu (alarm, stream) pairs: p50 %.2f ms, p99 %.2f ms, "
           "p99.9 %.2f ms, max %.2f ms; worst stream p99 %.2f ms, worst max %.2f ms\n",
           (unsigned long long)all.n, hist_q(&all, 0.5), hist_q(&all, 0.99), hist_q(&all, 0.999),
           (double)all.max / 1e6, worst_p99, worst_max);
    printf("POST sent -> answer (durable intake): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
           hist_q(&post_hist, 0.5), hist_q(&post_hist, 0.99), (double)post_hist.max / 1e6);
    printf("frames missed %llu, duplicates %llu, resets %llu, streams ended %llu, still unmatched %zu\n",
           (unsigned long long)missed, (unsigned long long)dups, (unsigned long long)resets,
           (unsigned long long)ended, npending);
    printf("server RSS every 10 s (MB):");
    for (int i = 0; i < nrss; i++)
        printf(" %.1f", (double)rss[i] / 1024);
    printf("\n");
    /* flat: the last minute against minute two (shorter runs: last third against the second) */
    double early = 0, late = 0;
    int ne = 0, nl = 0, samples = nrss - 1;
    for (int i = 1; i <= samples; i++) {
        int tsec = i * 10;
        int in_early = opt.duration >= 180 ? (tsec > 60 && tsec <= 120)
                                           : (tsec > opt.duration / 3 && tsec <= 2 * opt.duration / 3);
        int in_late = opt.duration >= 180 ? tsec > opt.duration - 60 : tsec > 2 * opt.duration / 3;
        if (in_early)
            early += (double)rss[i], ne++;
        if (in_late)
            late += (double)rss[i], nl++;
    }
    double growth = ne && nl && early > 0 ? (late / nl - early / ne) / (early / ne) * 100 : 0;
    if (ne && nl)
        printf("RSS %s: %.1f MB -> %.1f MB (%+.1f %%)\n",
               opt.duration >= 180 ? "minute two -> last minute" : "second third -> last third",
               early / ne / 1024, late / nl / 1024, growth);
    printf("RESULT {\"streams\":%d,\"rate_target\":%d,\"rate\":%.1f,\"seconds\":%.1f,\"pairs\":%llu,"
           "\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,\"worst_stream_p99_ms\":%.2f,\"post_p99_ms\":%.2f,"
           "\"missed\":%llu,\"duplicates\":%llu,\"resets\":%llu,\"ended\":%llu,\"refused\":%llu,"
           "\"rss_first_mb\":%.1f,\"rss_last_mb\":%.1f,\"rss_growth_pct\":%.1f}\n",
           opt.streams, opt.rate, (double)ok / secs, secs, (unsigned long long)all.n,
           hist_q(&all, 0.5), hist_q(&all, 0.99), (double)all.max / 1e6, worst_p99,
           hist_q(&post_hist, 0.99), (unsigned long long)missed, (unsigned long long)dups, (unsigned long long)resets,
           (unsigned long long)ended, (unsigned long long)st.refused, (double)rss[0] / 1024,
           (double)rss[nrss - 1] / 1024, growth);
    (void)frames;
    int bad = missed || resets || ended || st.refused || !all.n;
    return bad ? 1 : 0;
}
