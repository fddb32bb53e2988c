/* Conditional expressions: evaluation against a token without claims
 * (see condexpr.h). */
#include "condexpr_priv.h"

#include "bytes.h"
#include "limits.h"

/* ---- evaluation ----------------------------------------------------------- */

static int token_has_sid(const struct cond_env *env, const uint8_t *p, size_t n)
{
	struct sid s;
	size_t i;

	if (sid_parse(p, n, &s, NULL, NULL) < 0)
		return 0;
	for (i = 0; i < env->nsids; i++)
		if (sid_equal(&env->sids[i], &s))
			return 1;
	return 0;
}

static enum cond_value member_of(const struct dec *d, const struct node *op,
				 const struct node *arg, const struct cond_env *env)
{
	int device = op->tok == CT_DEV_MEMBER_OF || op->tok == CT_DEV_MEMBER_OF_ANY ||
		     op->tok == CT_NOT_DEV_MEMBER_OF || op->tok == CT_NOT_DEV_MEMBER_OF_ANY;
	int any = op->tok == CT_MEMBER_OF_ANY || op->tok == CT_DEV_MEMBER_OF_ANY ||
		  op->tok == CT_NOT_MEMBER_OF_ANY || op->tok == CT_NOT_DEV_MEMBER_OF_ANY;
	int negate = op->tok >= CT_NOT_MEMBER_OF && op->tok <= CT_NOT_DEV_MEMBER_OF_ANY;
	const uint8_t *p = d->d + arg->off;
	size_t pos, end;
	int match;

	if (arg->tok == CT_SID) {
		match = !device && token_has_sid(env, p + 5, le32(p + 1));
	} else {
		/* all of the list (Member_of) or one of it (_Any); a token
		 * without device SIDs matches none of them */
		match = !any;
		for (pos = arg->off + 5, end = pos + le32(p + 1); pos < end;
		     pos += 5 + le32(d->d + pos + 1)) {
			int has = !device && token_has_sid(env, d->d + pos + 5, le32(d->d + pos + 1));

			if (any && has) {
				match = 1;
				break;
			}
			if (!any && !has) {
				match = 0;
				break;
			}
		}
	}
	if (negate)
		match = !match;
	return match ? COND_TRUE : COND_FALSE;
}

static enum cond_value truth(const struct dec *d, int32_t idx, const struct cond_env *env,
			     unsigned depth)
{
	const struct node *x = &d->n[idx];
	const struct opdef *op;
	enum cond_value a, b;

	if (depth > LIMIT_COND_DEPTH || x->kind != K_BOOL)
		return COND_UNKNOWN;   /* an attribute's value: NULL without claims */
	op = cx_op_find(x->tok);
	switch (op->cls) {
	case OP_MEMBER:
		return member_of(d, x, &d->n[x->a], env);
	case OP_EXISTS: {
		const struct node *attr = &d->n[x->a];
		int found = 0;

		if (attr->tok == CT_RESOURCE && env->resource_exists)
			found = env->resource_exists(env->ctx, d->d + attr->off + 5,
						     le32(d->d + attr->off + 1)) > 0;
		if (x->tok == CT_NOT_EXISTS)
			found = !found;
		return found ? COND_TRUE : COND_FALSE;
	}
	case OP_REL:
		/* the left side is an attribute, NULL for a token without
		 * claims: comparisons with NULL are UNKNOWN */
		return COND_UNKNOWN;
	case OP_NOT:
		a = truth(d, x->a, env, depth + 1);
		return a == COND_UNKNOWN ? COND_UNKNOWN : a == COND_TRUE ? COND_FALSE : COND_TRUE;
	default:
		a = truth(d, x->a, env, depth + 1);
		b = truth(d, x->b, env, depth + 1);
		if (x->tok == CT_AND) {
			if (a == COND_FALSE || b == COND_FALSE)
				return COND_FALSE;
			return a == COND_TRUE && b == COND_TRUE ? COND_TRUE : COND_UNKNOWN;
		}
		if (a == COND_TRUE || b == COND_TRUE)
			return COND_TRUE;
		return a == COND_FALSE && b == COND_FALSE ? COND_FALSE : COND_UNKNOWN;
	}
}

enum cond_value condexpr_eval(const uint8_t *data, size_t len,
			      const struct cond_env *env)
{
	struct dec d;
	struct err e;
	enum cond_value v;

	err_init(&e);
	if (!env || cx_dec_run(&d, data, len, 0, &e) < 0)
		return COND_UNKNOWN;
	v = truth(&d, d.root, env, 0);
	cx_dec_release(&d);
	return v;
}

