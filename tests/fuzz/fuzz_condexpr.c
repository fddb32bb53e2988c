/* libFuzzer target for conditional expressions and resource attributes
 * (parsers/condexpr.c).
 *
 *   make fuzz-build && sh scripts/fuzz.sh build-fuzz -runs=200000 fuzz_condexpr
 *
 * Input: one selector byte, then the payload.  selector % 4:
 *   0  binary expression ("artx" + tokens + padding)
 *   1  SDDL condition text "(...)"
 *   2  binary resource attribute (CLAIM_SECURITY_ATTRIBUTE_RELATIVE_V1)
 *   3  SDDL resource attribute text ("name",T?,flags,values)
 * Invariants (abort = crash):
 * - a refusal says where ("at offset N") and, for text, N <= length;
 * - bytes that validate print (or are refused as unspellable), and the
 *   text compiles back to the same bytes but for 8/16/32-bit integer
 *   tokens written as 64-bit; that text prints again the same;
 * - text that compiles gives bytes that validate and print as text that
 *   compiles to the same bytes (canonical text is a fixed point);
 * - evaluation never fails: invalid bytes are UNKNOWN. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "condexpr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct sid token_sids[2] = {
	{ 1, 1, 1, { 0 } },          /* WD */
	{ 1, 1, 5, { 20 } },         /* NS */
};

static int resource_any(void *ctx, const uint8_t *name, size_t len)
{
	(void)ctx;
	return len > 0 && name[0] == 'a';
}

static void check_err(const struct err *err)
{
	if (!strstr(err->msg, "at offset ") && err->code != -E_NOMEM)
		abort();
}

/* bytes2 differs from bytes only where a narrow integer token became
 * int64. */
static int same_but_widths(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	size_t i;

	if (an != bn)
		return 0;
	for (i = 0; i < an; i++)
		if (a[i] != b[i] && !(a[i] >= 0x01 && a[i] <= 0x03 && b[i] == 0x04))
			return 0;
	return 1;
}

typedef int (*to_text_fn)(const uint8_t *, size_t, char **, struct err *);
typedef int (*from_text_fn)(const char *, size_t, size_t *, uint8_t **, size_t *,
			    size_t *, struct err *);
typedef int (*validate_fn)(const uint8_t *, size_t, size_t, struct err *);

static void binary(const uint8_t *d, size_t n, validate_fn validate, to_text_fn to_text,
		   from_text_fn from_text, int cond)
{
	struct cond_env env = { token_sids, 2, resource_any, NULL };
	uint8_t *b2 = NULL, *b3 = NULL;
	size_t n2 = 0, n3 = 0, used = 0, off = 0;
	char *text = NULL, *text2 = NULL;
	struct err err;
	enum cond_value v;
	int rc;

	err_init(&err);
	rc = validate(d, n, 0, &err);
	if (cond) {
		v = condexpr_eval(d, n, &env);
		if (v != COND_FALSE && v != COND_TRUE && v != COND_UNKNOWN)
			abort();
		if (rc < 0 && v != COND_UNKNOWN)
			abort();
	}
	if (rc < 0) {
		check_err(&err);
		return;
	}
	err_init(&err);
	rc = to_text(d, n, &text, &err);
	if (rc == -E_UNSUPPORTED || rc == -E_NOMEM)
		return;
	if (rc < 0)
		abort();
	if (from_text(text, strlen(text), &used, &b2, &n2, &off, &err) < 0 || used != strlen(text))
		abort();
	if (cond ? !same_but_widths(d, n, b2, n2) : validate(b2, n2, 0, &err) < 0)
		abort();
	if (to_text(b2, n2, &text2, &err) < 0 || strcmp(text, text2))
		abort();
	if (from_text(text2, strlen(text2), &used, &b3, &n3, &off, &err) < 0 ||
	    n3 != n2 || memcmp(b2, b3, n2))
		abort();
	free(text);
	free(text2);
	free(b2);
	free(b3);
}

static void text(const uint8_t *d, size_t n, validate_fn validate, to_text_fn to_text,
		 from_text_fn from_text)
{
	uint8_t *b = NULL, *b2 = NULL;
	size_t bn = 0, bn2 = 0, used = 0, off = 0;
	char *s, *t = NULL, *t2 = NULL;
	struct err err;

	s = malloc(n + 1);
	if (!s)
		return;
	memcpy(s, d, n);
	s[n] = '\0';
	n = strlen(s);
	err_init(&err);
	if (from_text(s, n, &used, &b, &bn, &off, &err) < 0) {
		check_err(&err);
		if (off > n)
			abort();
		free(s);
		return;
	}
	if (used > n || validate(b, bn, 0, &err) < 0 || bn % 4)
		abort();
	if (to_text(b, bn, &t, &err) < 0)
		abort();
	if (from_text(t, strlen(t), &used, &b2, &bn2, &off, &err) < 0 || used != strlen(t) ||
	    bn2 != bn || memcmp(b, b2, bn))
		abort();
	if (to_text(b2, bn2, &t2, &err) < 0 || strcmp(t, t2))
		abort();
	free(t);
	free(t2);
	free(b);
	free(b2);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (size < 1)
		return 0;
	/* exact-size copy: ASan sees every overread */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	switch (data[0] % 4) {
	case 0:
		binary(copy, size - 1, condexpr_validate, condexpr_to_sddl, condexpr_from_sddl, 1);
		break;
	case 1:
		text(copy, size - 1, condexpr_validate, condexpr_to_sddl, condexpr_from_sddl);
		break;
	case 2:
		binary(copy, size - 1, claim_validate, claim_to_sddl, claim_from_sddl, 0);
		break;
	default:
		text(copy, size - 1, claim_validate, claim_to_sddl, claim_from_sddl);
		break;
	}
	free(copy);
	return 0;
}
