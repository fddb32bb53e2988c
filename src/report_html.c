/* placeholder, filled below */
#include "report_priv.h"
void html_scan(FILE *f, const struct vscan *v, int level, int verbose) { (void)f; (void)v; (void)level; (void)verbose; }
void html_document(FILE *f, const struct doc_row *rows, char *const *bodies, size_t n) { (void)f; (void)rows; (void)bodies; (void)n; }
