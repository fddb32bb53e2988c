/* Web.config through libxml2 (see webconfig.h). */
#define _GNU_SOURCE
#include "webconfig.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "limits.h"

static int is_element(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->name &&
	       strcmp((const char *)n->name, name) == 0;
}

/* tempDirectory of the first <system.web><compilation> below parent:
 * 1 found (*out malloc'd), 0 not there, -E_NOMEM. */
static int find_in(const xmlNode *parent, char **out)
{
	const xmlNode *sw, *c;

	for (sw = parent->children; sw; sw = sw->next) {
		if (!is_element(sw, "system.web"))
			continue;
		for (c = sw->children; c; c = c->next) {
			xmlChar *v;

			if (!is_element(c, "compilation"))
				continue;
			/* xmlGetNoNsProp: ASP.NET's attributes carry no prefix */
			v = xmlGetNoNsProp(c, (const xmlChar *)"tempDirectory");
			if (!v)
				continue;
			*out = strdup((const char *)v);
			xmlFree(v);
			return *out ? 1 : -E_NOMEM;
		}
	}
	return 0;
}

int webconfig_temp_directory(const uint8_t *buf, size_t len, char **temp_dir,
			     struct err *err)
{
	/* No NOENT (entities stay references), no DTDLOAD, no network; errors
	 * are kept in the context, not printed. */
	const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	const xmlNode *root, *n;
	int rc = 0;

	*temp_dir = NULL;
	if (len > LIMIT_WEBCONFIG_SIZE || len > (size_t)INT_MAX)
		return err_set(err, -E_LIMIT, "%zu bytes exceed LIMIT_WEBCONFIG_SIZE (%u)",
			       len, LIMIT_WEBCONFIG_SIZE);
	xmlInitParser();
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return err_set(err, -E_NOMEM, "out of memory");
	doc = xmlCtxtReadMemory(ctxt, (const char *)buf, (int)len, "Web.config",
				NULL, opts);
	if (!doc || !ctxt->wellFormed) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		char msg[256];
		size_t m;

		snprintf(msg, sizeof(msg), "%s",
			 e && e->message ? e->message : "not well-formed");
		m = strlen(msg);
		while (m > 0 && (msg[m - 1] == '\n' || msg[m - 1] == ' ' ||
				 msg[m - 1] == '.'))
			msg[--m] = '\0';
		if (m > 0 && msg[0] >= 'A' && msg[0] <= 'Z' &&
		    !(msg[1] >= 'A' && msg[1] <= 'Z'))
			msg[0] = (char)(msg[0] - 'A' + 'a');
		rc = err_set(err, -E_CORRUPT, "line %d: %s",
			     e ? e->line : 0, msg);
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (!root || !is_element(root, "configuration"))
		goto out;
	rc = find_in(root, temp_dir);
	for (n = root->children; rc == 0 && n; n = n->next)
		if (is_element(n, "location"))
			rc = find_in(n, temp_dir);
	if (rc == -E_NOMEM)
		rc = err_set(err, -E_NOMEM, "out of memory");
out:
	if (doc)
		xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return rc;
}
