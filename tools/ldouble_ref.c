/* Reference for server/src/ldouble.rs: Redis 7.4's string2ld, long double addition and
 * ld2string(LD_STR_HUMAN), compiled with the platform's x87 long double.
 *
 * Reads lines from stdin: "a b" prints the INCRBYFLOAT result of a + b (or "ERR float" /
 * "ERR naninf"); "a" alone prints a parsed and formatted (or "ERR").
 *
 *   gcc -O2 tools/ldouble_ref.c -o /tmp/ldref
 *   python3 tools/ldouble_compare.py --gen 200000 1 > /tmp/cases.txt
 *   /tmp/ldref < /tmp/cases.txt > /tmp/expected.txt
 *   LDOUBLE_CASES=/tmp/cases.txt LDOUBLE_EXPECTED=/tmp/expected.txt \
 *       cargo test -p coil-server --lib ldouble -- --ignored
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>
#include <ctype.h>
#define MAXC (5*1024)
static int string2ld(const char *s, size_t slen, long double *dp) {
    char buf[MAXC]; long double value; char *eptr;
    if (slen == 0 || slen >= sizeof(buf)) return 0;
    memcpy(buf,s,slen); buf[slen] = '\0';
    errno = 0; value = strtold(buf, &eptr);
    if (isspace(buf[0]) || eptr[0] != '\0' || (size_t)(eptr-buf) != slen ||
        (errno == ERANGE && (value == HUGE_VAL || value == -HUGE_VAL || fpclassify(value) == FP_ZERO)) ||
        errno == EINVAL || isnan(value)) return 0;
    *dp = value; return 1;
}
static void human(long double value, char *buf, size_t len) {
    if (isinf(value)) { strcpy(buf, value > 0 ? "inf" : "-inf"); return; }
    if (isnan(value)) { strcpy(buf, "nan"); return; }
    int l = snprintf(buf,len,"%.17Lf",value);
    if (strchr(buf,'.') != NULL) { char *p = buf+l-1; while(*p == '0') { p--; l--; } if (*p == '.') l--; }
    if (l == 2 && buf[0] == '-' && buf[1] == '0') { buf[0] = '0'; l = 1; }
    buf[l] = 0;
}
static char line[20000], out[8000];
int main() {
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line); if (n && line[n-1]=='\n') line[--n]=0;
        char *sp = strchr(line, ' ');
        long double a, b;
        if (!sp) { // parse-only
            if (!string2ld(line, n, &a)) puts("ERR"); else { human(a, out, sizeof out); puts(out); }
            continue;
        }
        *sp = 0;
        if (!string2ld(line, strlen(line), &a) || !string2ld(sp+1, strlen(sp+1), &b)) { puts("ERR float"); continue; }
        long double v = a + b;
        if (isnan(v) || isinf(v)) { puts("ERR naninf"); continue; }
        human(v, out, sizeof out); puts(out);
    }
}
