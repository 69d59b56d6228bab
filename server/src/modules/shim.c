/* Coil's module host: the API functions Rust cannot define.
 *
 * Nine module API functions are C-variadic and five take or return `long double`
 * (x87 80-bit on x86-64). These trampolines format or walk the arguments and hand
 * Rust plain arrays and strings through a table of hooks the host installs once
 * (coilshim_set_hooks). Their names are not RedisModule_*: the host registers their
 * addresses in its GetApi table. */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

typedef struct CoilCallArg {
    int kind; /* 0: bytes, 1: module string, 2: long long */
    const void *ptr;
    size_t len;
    long long ll;
} CoilCallArg;

typedef struct CoilShimHooks {
    void *(*call)(void *ctx, const char *cmd, const char *fmt, const CoilCallArg *args, size_t n);
    int (*replicate)(void *ctx, const char *cmd, const char *fmt, const CoilCallArg *args, size_t n);
    void *(*create_string)(void *ctx, const char *ptr, size_t len);
    const char *(*string_ptr_len)(const void *str, size_t *len);
    int (*reply_error)(void *ctx, const char *msg);
    int (*reply_human_double)(void *ctx, const char *text, size_t len);
    void (*log)(void *ctx, const char *level, const char *msg);
    void (*log_io)(void *io, const char *level, const char *msg);
    int (*hash_set)(void *key, int flags, void *const *pairs, size_t npairs);
    int (*hash_get)(void *key, int flags, void *const *pairs, size_t npairs);
    void (*emit_aof)(void *io, const char *cmd, const char *fmt, const CoilCallArg *args, size_t n);
    void (*save_string_buffer)(void *io, const char *ptr, size_t len);
    /* Copies the next string of an RDB IO into buf; returns its length, or (size_t)-1
     * on an IO error or when it does not fit. */
    size_t (*load_string_into)(void *io, char *buf, size_t cap);
} CoilShimHooks;

static CoilShimHooks hooks;

void coilshim_set_hooks(const CoilShimHooks *h) { hooks = *h; }

/* Formats into a malloc'ed string (NULL on failure). */
static char *vformat(const char *fmt, va_list ap) {
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) return NULL;
    char *buf = malloc((size_t)n + 1);
    if (!buf) return NULL;
    vsnprintf(buf, (size_t)n + 1, fmt, ap);
    return buf;
}

/* Walks a RedisModule_Call-style format. Returns the number of arguments, or -1 on an
 * unknown letter (its va_arg type cannot be known, so nothing after it is read). */
static long walk_format(const char *fmt, va_list ap, CoilCallArg **out) {
    size_t cap = 8, n = 0;
    CoilCallArg *args = malloc(cap * sizeof(*args));
    if (!args) return -1;
    for (const char *p = fmt; *p; p++) {
        size_t need = n + 1;
        const void **vec = NULL;
        size_t vlen = 0;
        if (*p == 'v') {
            vec = va_arg(ap, const void **);
            vlen = va_arg(ap, size_t);
            need = n + vlen;
        }
        if (need > cap) {
            while (cap < need) cap *= 2;
            CoilCallArg *bigger = realloc(args, cap * sizeof(*args));
            if (!bigger) { free(args); return -1; }
            args = bigger;
        }
        switch (*p) {
        case 'c': {
            const char *s = va_arg(ap, const char *);
            args[n++] = (CoilCallArg){0, s, s ? strlen(s) : 0, 0};
            break;
        }
        case 's':
            args[n++] = (CoilCallArg){1, va_arg(ap, const void *), 0, 0};
            break;
        case 'b': {
            const char *b = va_arg(ap, const char *);
            size_t len = va_arg(ap, size_t);
            args[n++] = (CoilCallArg){0, b, len, 0};
            break;
        }
        case 'l':
            args[n++] = (CoilCallArg){2, NULL, 0, va_arg(ap, long long)};
            break;
        case 'v':
            for (size_t i = 0; i < vlen; i++) args[n++] = (CoilCallArg){1, vec[i], 0, 0};
            break;
        case '!': case 'A': case 'R': case '3': case '0': case 'C':
        case 'S': case 'W': case 'M': case 'E': case 'D': case 'K':
            break;
        default:
            free(args);
            return -1;
        }
    }
    *out = args;
    return (long)n;
}

void *coilshim_Call(void *ctx, const char *cmdname, const char *fmt, ...) {
    CoilCallArg *args = NULL;
    va_list ap;
    va_start(ap, fmt);
    long n = walk_format(fmt, ap, &args);
    va_end(ap);
    if (n < 0) { errno = EBADF; return NULL; }
    void *reply = hooks.call(ctx, cmdname, fmt, args, (size_t)n);
    int saved = errno;
    free(args);
    errno = saved;
    return reply;
}

int coilshim_Replicate(void *ctx, const char *cmdname, const char *fmt, ...) {
    CoilCallArg *args = NULL;
    va_list ap;
    va_start(ap, fmt);
    long n = walk_format(fmt, ap, &args);
    va_end(ap);
    if (n < 0) return 1;
    int rc = hooks.replicate(ctx, cmdname, fmt, args, (size_t)n);
    free(args);
    return rc;
}

void *coilshim_CreateStringPrintf(void *ctx, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    if (!s) return NULL;
    void *str = hooks.create_string(ctx, s, strlen(s));
    free(s);
    return str;
}

int coilshim_ReplyWithErrorFormat(void *ctx, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    if (!s) return 0;
    int rc = hooks.reply_error(ctx, s);
    free(s);
    return rc;
}

/* Redis truncates module log lines to its LOG_MAX_LEN (1024) buffer. */
#define COIL_LOG_MAX 1024

void coilshim_Log(void *ctx, const char *level, const char *fmt, ...) {
    char msg[COIL_LOG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    hooks.log(ctx, level, msg);
}

void coilshim_LogIOError(void *io, const char *level, const char *fmt, ...) {
    char msg[COIL_LOG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    hooks.log_io(io, level, msg);
}

/* ---- long double ------------------------------------------------------------------ */

#define COIL_LD_CHARS (5 * 1024)

/* Redis's ld2string: human (%.17Lf, trailing zeros dropped) or auto (%.17Lg). */
static size_t ld_format(char *buf, size_t len, long double v, int human) {
    size_t l;
    if (isinf(v)) {
        l = (size_t)snprintf(buf, len, "%s", v > 0 ? "inf" : "-inf");
    } else if (isnan(v)) {
        l = (size_t)snprintf(buf, len, "nan");
    } else if (human) {
        l = (size_t)snprintf(buf, len, "%.17Lf", v);
        if (l + 1 > len) return 0;
        if (strchr(buf, '.') != NULL) {
            char *p = buf + l - 1;
            while (*p == '0') { p--; l--; }
            if (*p == '.') l--;
        }
        if (l == 2 && buf[0] == '-' && buf[1] == '0') { buf[0] = '0'; l = 1; }
    } else {
        l = (size_t)snprintf(buf, len, "%.17Lg", v);
        if (l + 1 > len) return 0;
    }
    buf[l] = '\0';
    return l;
}

void *coilshim_CreateStringFromLongDouble(void *ctx, long double ld, int humanfriendly) {
    char buf[COIL_LD_CHARS];
    size_t len = ld_format(buf, sizeof(buf), ld, humanfriendly);
    return hooks.create_string(ctx, buf, len);
}

int coilshim_ReplyWithLongDouble(void *ctx, long double ld) {
    char buf[COIL_LD_CHARS];
    size_t len = ld_format(buf, sizeof(buf), ld, 1);
    return hooks.reply_human_double(ctx, buf, len);
}

/* Redis's string2ld. */
int coilshim_StringToLongDouble(const void *str, long double *ld) {
    size_t slen = 0;
    const char *s = hooks.string_ptr_len(str, &slen);
    char buf[COIL_LD_CHARS];
    if (str == NULL || slen == 0 || slen >= sizeof(buf)) return 1;
    memcpy(buf, s, slen);
    buf[slen] = '\0';
    char *eptr;
    errno = 0;
    long double value = strtold(buf, &eptr);
    if (isspace((unsigned char)buf[0]) || eptr[0] != '\0' || (size_t)(eptr - buf) != slen ||
        (errno == ERANGE && (value == HUGE_VALL || value == -HUGE_VALL || fpclassify(value) == FP_ZERO)) ||
        errno == EINVAL || isnan(value))
        return 1;
    if (ld) *ld = value;
    return 0;
}

/* ---- the key API's variadic functions --------------------------------------------- */

/* Collects a NULL-terminated list of pointer pairs (field, value-or-out-pointer).
 * Returns the number of pairs, or -1 when out of memory. */
static long collect_pairs(va_list ap, void ***out) {
    size_t cap = 16, n = 0;
    void **arr = malloc(cap * sizeof(*arr));
    if (!arr) return -1;
    for (;;) {
        void *field = va_arg(ap, void *);
        if (field == NULL) break;
        void *second = va_arg(ap, void *);
        if (n + 2 > cap) {
            cap *= 2;
            void **bigger = realloc(arr, cap * sizeof(*arr));
            if (!bigger) { free(arr); return -1; }
            arr = bigger;
        }
        arr[n++] = field;
        arr[n++] = second;
    }
    *out = arr;
    return (long)(n / 2);
}

int coilshim_HashSet(void *key, int flags, ...) {
    void **pairs = NULL;
    va_list ap;
    va_start(ap, flags);
    long n = collect_pairs(ap, &pairs);
    va_end(ap);
    if (n < 0) { errno = ENOMEM; return 0; }
    int rc = hooks.hash_set(key, flags, pairs, (size_t)n);
    int saved = errno;
    free(pairs);
    errno = saved;
    return rc;
}

int coilshim_HashGet(void *key, int flags, ...) {
    void **pairs = NULL;
    va_list ap;
    va_start(ap, flags);
    long n = collect_pairs(ap, &pairs);
    va_end(ap);
    if (n < 0) { errno = ENOMEM; return 1; }
    int rc = hooks.hash_get(key, flags, pairs, (size_t)n);
    int saved = errno;
    free(pairs);
    errno = saved;
    return rc;
}

void coilshim_EmitAOF(void *io, const char *cmdname, const char *fmt, ...) {
    CoilCallArg *args = NULL;
    va_list ap;
    va_start(ap, fmt);
    long n = walk_format(fmt, ap, &args);
    va_end(ap);
    if (n < 0) {
        hooks.emit_aof(io, cmdname, NULL, NULL, 0);
        errno = EINVAL;
        return;
    }
    hooks.emit_aof(io, cmdname, fmt, args, (size_t)n);
    int saved = errno;
    free(args);
    errno = saved;
}

/* RM_SaveLongDouble: saved as a string in hexadecimal (%La), as Redis's ld2string
 * LD_STR_HEX writes it (inf, -inf and nan spelled out). */
void coilshim_SaveLongDouble(void *io, long double value) {
    char buf[COIL_LD_CHARS];
    int l;
    if (isinf(value)) l = snprintf(buf, sizeof(buf), "%s", value > 0 ? "inf" : "-inf");
    else if (isnan(value)) l = snprintf(buf, sizeof(buf), "nan");
    else l = snprintf(buf, sizeof(buf), "%La", value);
    if (l < 0 || (size_t)l >= sizeof(buf)) l = 0;
    hooks.save_string_buffer(io, buf, (size_t)l);
}

/* RM_LoadLongDouble: the string parsed as Redis's string2ld (0 when it is not a
 * valid long double). */
long double coilshim_LoadLongDouble(void *io) {
    char buf[COIL_LD_CHARS];
    size_t len = hooks.load_string_into(io, buf, sizeof(buf) - 1);
    if (len == (size_t)-1 || len == 0) return 0;
    buf[len] = '\0';
    char *eptr;
    errno = 0;
    long double value = strtold(buf, &eptr);
    if (isspace((unsigned char)buf[0]) || eptr[0] != '\0' || (size_t)(eptr - buf) != len ||
        (errno == ERANGE && (value == HUGE_VALL || value == -HUGE_VALL || fpclassify(value) == FP_ZERO)) ||
        errno == EINVAL || isnan(value))
        return 0;
    return value;
}
