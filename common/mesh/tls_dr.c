/* SPDX-License-Identifier: Apache-2.0 */
/* DestinationRule: validation, merging, lookup from a client and port/subset policy (D1-D15). */
#include "mesh/tls_priv.h"
#include "labels.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* --- Parsing --- */

static const char *const known_tp[] = { "loadBalancer", "connectionPool", "outlierDetection",
					"tls", "portLevelSettings", "tunnel", "proxyProtocol",
					"retryBudget", NULL };
static const char *const known_port_tp[] = { "port", "loadBalancer", "connectionPool",
					     "outlierDetection", "tls", NULL };
static const char *const known_tls[] = { "mode", "clientCertificate", "privateKey",
					 "caCertificates", "credentialName", "subjectAltNames",
					 "sni", "insecureSkipVerify", "caCrl", NULL };

struct parse_cx {
	const char *who;
	struct strbuf *warn, *err;
};

static int parse_tls(struct tls_tls *t, json_t *tls, const char *path, struct parse_cx *cx)
{
	static const char *const names[] = { "ISTIO_MUTUAL", "DISABLE", "SIMPLE", "MUTUAL" };
	static const enum tls_cmode modes[] = { TLS_CM_ISTIO_MUTUAL, TLS_CM_DISABLE,
						TLS_CM_SIMPLE, TLS_CM_MUTUAL };
	json_t *mode;
	size_t i;

	memset(t, 0, sizeof(*t));
	if (!tls || json_is_null(tls))
		return 0;
	if (!json_is_object(tls)) {
		strbuf_setf(cx->err, "%s: %s must be an object", cx->who, path);
		return -1;
	}
	tls_warn_unknown(cx->warn, cx->who, path, tls, known_tls);
	t->set = 1;
	t->mode = TLS_CM_DISABLE; /* the proto default */
	t->credential = json_is_string(json_object_get(tls, "credentialName")) &&
			*json_string_value(json_object_get(tls, "credentialName"));
	mode = json_object_get(tls, "mode");
	if (!mode || json_is_null(mode))
		return 0;
	for (i = 0; json_is_string(mode) && i < ARRAY_SIZE(names); i++)
		if (!strcmp(json_string_value(mode), names[i])) {
			t->mode = modes[i];
			return 0;
		}
	if (json_is_string(mode))
		strbuf_setf(cx->err, "%s: unknown tls mode \"%s\"", cx->who, json_string_value(mode));
	else
		strbuf_setf(cx->err, "%s: tls mode must be a string", cx->who);
	return -1;
}

static int lb_passthrough(json_t *lb)
{
	const char *simple = json_string_value(json_object_get(lb, "simple"));
	return simple && !strcmp(simple, "PASSTHROUGH");
}

static int parse_port_settings(struct tls_policy *tp, json_t *list, const char *path,
			       struct parse_cx *cx)
{
	json_t *e;
	size_t i;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list)) {
		strbuf_setf(cx->err, "%s: %s.portLevelSettings must be a list", cx->who, path);
		return -1;
	}
	tp->ports = xcalloc(json_array_size(list) + 1, sizeof(*tp->ports));
	json_array_foreach(list, i, e) {
		struct tls_port_policy *pp = &tp->ports[tp->nports];
		json_t *num = obj_path(e, "port.number");
		char *sub;
		int r;

		if (!json_is_integer(num) || json_integer_value(num) < 1 ||
		    json_integer_value(num) > 65535) {
			strbuf_setf(cx->err, "%s: %s.portLevelSettings[%zu] has no valid port.number",
				    cx->who, path, i);
			return -1;
		}
		pp->port = (int)json_integer_value(num);
		pp->passthrough = lb_passthrough(json_object_get(e, "loadBalancer"));
		sub = xasprintf("%s.portLevelSettings[%zu]", path, i);
		tls_warn_unknown(cx->warn, cx->who, sub, e, known_port_tp);
		free(sub);
		sub = xasprintf("%s.portLevelSettings[%zu].tls", path, i);
		r = parse_tls(&pp->tls, json_object_get(e, "tls"), sub, cx);
		free(sub);
		if (r)
			return -1;
		tp->nports++;
	}
	return 0;
}

static int parse_policy(struct tls_policy *tp, json_t *obj, const char *path, struct parse_cx *cx)
{
	char *sub;
	int r;

	memset(tp, 0, sizeof(*tp));
	if (!obj || json_is_null(obj))
		return 0;
	if (!json_is_object(obj)) {
		strbuf_setf(cx->err, "%s: %s must be an object", cx->who, path);
		return -1;
	}
	tp->present = 1;
	tls_warn_unknown(cx->warn, cx->who, path, obj, known_tp);
	tp->passthrough = lb_passthrough(json_object_get(obj, "loadBalancer"));
	sub = xasprintf("%s.tls", path);
	r = parse_tls(&tp->tls, json_object_get(obj, "tls"), sub, cx);
	free(sub);
	return r ? r : parse_port_settings(tp, json_object_get(obj, "portLevelSettings"), path, cx);
}

static int parse_subsets(struct tls_dr *dr, json_t *list, struct parse_cx *cx)
{
	static const char *const known[] = { "name", "labels", "trafficPolicy", NULL };
	json_t *e;
	size_t i;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list)) {
		strbuf_setf(cx->err, "%s: subsets must be a list", cx->who);
		return -1;
	}
	dr->subsets = xcalloc(json_array_size(list) + 1, sizeof(*dr->subsets));
	json_array_foreach(list, i, e) {
		struct tls_subset *s = &dr->subsets[dr->nsubsets];
		char *path;
		int r;

		s->name = json_string_value(json_object_get(e, "name"));
		if (!s->name || !*s->name) {
			strbuf_setf(cx->err, "%s: subsets[%zu] has no name", cx->who, i);
			return -1;
		}
		path = xasprintf("spec.subsets[%zu]", i);
		tls_warn_unknown(cx->warn, cx->who, path, e, known);
		free(path);
		path = xasprintf("spec.subsets[%zu].trafficPolicy", i);
		r = parse_policy(&s->tp, json_object_get(e, "trafficPolicy"), path, cx);
		free(path);
		if (r)
			return -1;
		dr->nsubsets++;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_export(struct tls_dr *dr, const char *value)
{
	size_t i;
	for (i = 0; i < dr->nexport; i++)
		if (!strcmp(dr->export_to[i], value))
			return;
	dr->export_to = xreallocarray(dr->export_to, dr->nexport + 1, sizeof(*dr->export_to));
	dr->export_to[dr->nexport++] = xstrdup(value);
}

static int parse_export(struct tls_dr *dr, json_t *list, int default_private, struct parse_cx *cx)
{
	json_t *e;
	size_t i;

	if (list && !json_is_null(list) && !json_is_array(list)) {
		strbuf_setf(cx->err, "%s: exportTo must be a list of namespaces", cx->who);
		return -1;
	}
	json_array_foreach(list, i, e) {
		if (!json_is_string(e)) {
			strbuf_setf(cx->err, "%s: exportTo must be a list of namespaces", cx->who);
			return -1;
		}
		if (!dr->selector)
			add_export(dr, json_string_value(e));
	}
	if (dr->selector)
		add_export(dr, ".");
	if (dr->nexport > 1)
		qsort(dr->export_to, dr->nexport, sizeof(*dr->export_to), cmp_str);
	dr->export_all = !dr->selector && !dr->nexport;
	for (i = 0; !dr->selector && i < dr->nexport; i++)
		dr->export_all |= !strcmp(dr->export_to[i], "*");
	if (dr->selector || (!dr->nexport && default_private))
		dr->private_only = 1;
	else if (dr->nexport == 1)
		dr->private_only = !strcmp(dr->export_to[0], ".") || !strcmp(dr->export_to[0], dr->ns);
	return 0;
}

/* D6: a name without dots is short for a Service in the rule's own namespace. */
static char *resolve_host(const char *host, const char *ns)
{
	if (strchr(host, '.') || strchr(host, ':') || !strcmp(host, "*"))
		return xstrdup(host);
	return xasprintf("%s.%s.svc." TLS_DOMAIN, host, ns);
}

int tls_dr_parse(struct tls_dr *dr, json_t *obj, int default_private, struct strbuf *warn,
		 struct strbuf *err)
{
	static const char *const known[] = { "host", "trafficPolicy", "subsets", "exportTo",
					     "workloadSelector", NULL };
	json_t *spec = json_object_get(obj, "spec");
	struct parse_cx cx;
	const char *host;
	char *who;
	int r = -1;

	memset(dr, 0, sizeof(*dr));
	dr->obj = obj;
	dr->ns = obj_namespace(obj);
	dr->name = obj_name(obj);
	dr->created = obj_created(obj);
	who = xasprintf("DestinationRule %s/%s", dr->ns, dr->name);
	cx.who = who;
	cx.warn = warn;
	cx.err = err;
	host = json_string_value(json_object_get(spec, "host"));
	if (!host || !*host) {
		strbuf_setf(err, "%s: spec.host is required", who);
		goto out;
	}
	tls_warn_unknown(warn, who, "spec", spec, known);
	dr->host = resolve_host(host, dr->ns);
	dr->wildcard = dr->host[0] == '*';
	if (tls_parse_selector(json_object_get(spec, "workloadSelector"), "workloadSelector", who,
			       &dr->selector, warn, err) ||
	    parse_export(dr, json_object_get(spec, "exportTo"), default_private, &cx) ||
	    parse_policy(&dr->tp, json_object_get(spec, "trafficPolicy"), "spec.trafficPolicy", &cx) ||
	    parse_subsets(dr, json_object_get(spec, "subsets"), &cx))
		goto out;
	r = 0;
out:
	free(who);
	return r;
}

static void release_policy(struct tls_policy *tp)
{
	free(tp->ports);
}

void tls_dr_release(struct tls_dr *dr)
{
	size_t i;
	free(dr->host);
	for (i = 0; i < dr->nexport; i++)
		free(dr->export_to[i]);
	free(dr->export_to);
	release_policy(&dr->tp);
	for (i = 0; i < dr->nsubsets; i++)
		release_policy(&dr->subsets[i].tp);
	free(dr->subsets);
}

/* Istio's order: rules with a workloadSelector first, then oldest, then name, namespace. */
static int cmp_dr(const void *a, const void *b)
{
	const struct tls_dr *x = *(const struct tls_dr *const *)a;
	const struct tls_dr *y = *(const struct tls_dr *const *)b;
	int c;

	if (!x->selector != !y->selector)
		return x->selector ? -1 : 1;
	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->ns, y->ns);
}

void tls_dr_sort(struct tls_dr **v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_dr);
}

/* D2: empty exportTo, "*", "." or the own namespace. */
int tls_dr_visible_local(const struct tls_dr *dr)
{
	size_t i;
	if (!dr->nexport)
		return 1;
	for (i = 0; i < dr->nexport; i++)
		if (!strcmp(dr->export_to[i], "*") || !strcmp(dr->export_to[i], ".") ||
		    !strcmp(dr->export_to[i], dr->ns))
			return 1;
	return 0;
}

/* --- Merging (D7, D8) --- */

static int same_exports(const struct tls_dr *a, const struct tls_dr *b)
{
	size_t i;
	if (a->nexport != b->nexport)
		return 0;
	for (i = 0; i < a->nexport; i++)
		if (strcmp(a->export_to[i], b->export_to[i]))
			return 0;
	return 1;
}

static int same_labels(json_t *a, json_t *b)
{
	return json_object_size(a) == json_object_size(b) && labels_contain(a, b);
}

static void entry_add_subsets(struct tls_dr_entry *e, const struct tls_dr *dr)
{
	size_t i, j;
	for (i = 0; i < dr->nsubsets; i++) {
		for (j = 0; j < e->nsubsets; j++)
			if (!strcmp(e->subsets[j].s->name, dr->subsets[i].name))
				break;
		if (j < e->nsubsets)
			continue; /* a duplicate subset keeps the first (D7) */
		ALLOC_GROW(e->subsets, e->nsubsets + 1, e->asubsets);
		e->subsets[e->nsubsets].s = &dr->subsets[i];
		e->subsets[e->nsubsets++].from = dr;
	}
}

static void entry_merge(struct tls_dr_entry *e, const struct tls_dr *dr)
{
	ALLOC_GROW(e->members, e->nmembers + 1, e->amembers);
	e->members[e->nmembers++] = dr;
	if (!e->tp_from && dr->tp.present)
		e->tp_from = dr;
	entry_add_subsets(e, dr);
}

uint64_t tls_host_hash(const char *host)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *host; host++)
		h = (h ^ (unsigned char)*host) * 1099511628211ULL;
	return h;
}

static void add_slot(struct tls_dr_index *ix, const char *host, size_t pos)
{
	uint64_t h = tls_host_hash(host);
	size_t i = ix->nslots;

	ix->slots = xreallocarray(ix->slots, ix->nslots + 1, sizeof(*ix->slots));
	while (i > 0 && ix->slots[i - 1].hash > h) {
		ix->slots[i] = ix->slots[i - 1];
		i--;
	}
	ix->slots[i].hash = h;
	ix->slots[i].ix = pos;
	ix->nslots++;
}

static struct tls_dr_host *index_host(struct tls_dr_index *ix, const struct tls_dr *dr)
{
	json_t *pos;

	if (!ix->by_host)
		ix->by_host = json_object();
	pos = json_object_get(ix->by_host, dr->host);
	if (pos)
		return &ix->hosts[json_integer_value(pos)];
	ALLOC_GROW(ix->hosts, ix->n + 1, ix->alloc);
	memset(&ix->hosts[ix->n], 0, sizeof(ix->hosts[ix->n]));
	ix->hosts[ix->n].host = dr->host;
	ix->hosts[ix->n].len = strlen(dr->host);
	ix->hosts[ix->n].wildcard = dr->wildcard;
	json_object_set_new(ix->by_host, dr->host, json_integer((json_int_t)ix->n));
	if (dr->wildcard) {
		ix->wild = xreallocarray(ix->wild, ix->nwild + 1, sizeof(*ix->wild));
		ix->wild[ix->nwild++] = ix->n;
	} else {
		add_slot(ix, dr->host, ix->n);
	}
	return &ix->hosts[ix->n++];
}

/* Istio's mergeDestinationRule with the enhanced merge (default on). */
void tls_dr_index_add(struct tls_dr_index *ix, const struct tls_dr *dr)
{
	struct tls_dr_host *h = index_host(ix, dr);
	int add_new = 1;
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct tls_dr *head = h->entries[i].members[0];
		int both_sel = dr->selector && head->selector;
		int both_plain = !dr->selector && !head->selector;

		if (!same_exports(dr, head) || (both_sel && !same_labels(dr->selector, head->selector)))
			continue;
		if (both_plain || both_sel)
			add_new = 0;
		entry_merge(&h->entries[i], dr);
	}
	if (!add_new)
		return;
	ALLOC_GROW(h->entries, h->n + 1, h->alloc);
	memset(&h->entries[h->n], 0, sizeof(h->entries[h->n]));
	entry_merge(&h->entries[h->n++], dr);
}

void tls_dr_index_release(struct tls_dr_index *ix)
{
	size_t i, j;
	for (i = 0; i < ix->n; i++) {
		for (j = 0; j < ix->hosts[i].n; j++) {
			free((void *)ix->hosts[i].entries[j].members);
			free(ix->hosts[i].entries[j].subsets);
		}
		free(ix->hosts[i].entries);
	}
	free(ix->hosts);
	free(ix->wild);
	free(ix->slots);
	json_decref(ix->by_host);
}

/* --- Lookup (D1-D10) --- */

int tls_host_matches(const char *pattern, int wildcard, const char *host)
{
	if (!wildcard)
		return !strcmp(pattern, host);
	return ends_with(host, pattern + 1);
}

static const struct tls_dr_host *exact_host(const struct tls_dr_index *ix, const char *host,
					    uint64_t hash)
{
	size_t lo = 0, hi = ix->nslots;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ix->slots[mid].hash < hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->nslots && ix->slots[lo].hash == hash; lo++)
		if (!strcmp(ix->hosts[ix->slots[lo].ix].host, host))
			return &ix->hosts[ix->slots[lo].ix];
	return NULL;
}

/* D5: an exact host, else the longest matching wildcard. */
static const struct tls_dr_host *most_specific(const struct tls_dr_index *ix, const char *host,
					       uint64_t hash)
{
	const struct tls_dr_host *best = exact_host(ix, host, hash);
	size_t i, len = ix->nwild ? strlen(host) : 0;

	if (best)
		return best;
	for (i = 0; i < ix->nwild; i++) {
		const struct tls_dr_host *h = &ix->hosts[ix->wild[i]];
		size_t sl = h->len - 1; /* the suffix after "*" */
		if (sl <= len && !memcmp(host + len - sl, h->host + 1, sl) &&
		    (!best || h->len > best->len))
			best = h;
	}
	return best;
}

static int exported_to(const struct tls_dr *dr, const char *ns)
{
	size_t i;
	if (dr->export_all)
		return 1;
	for (i = 0; i < dr->nexport; i++)
		if (!strcmp(dr->export_to[i], ns))
			return 1;
	return 0;
}

struct lookup {
	const struct tls_ns *cns;
	json_t *labels;
	const char *host;
	uint64_t hash;
	struct tls_steps *steps;
};

static void step_dr(struct lookup *lk, const struct tls_dr *dr, const char *rule, const char *fmt,
		    const char *arg)
{
	char *ref;
	if (!lk->steps)
		return;
	ref = tls_obj_ref(dr->obj);
	tls_step_add(lk->steps, "client", "dr", ref, rule, fmt, arg);
	free(ref);
}

/* D8, D9: the first selector rule that selects the client, else the newest plain rule. */
static const struct tls_dr_entry *pick(struct lookup *lk, const struct tls_dr_host *h,
				       int exported)
{
	const struct tls_dr_entry *plain = NULL;
	size_t i, nplain = 0;

	for (i = 0; i < h->n; i++) {
		const struct tls_dr *head = h->entries[i].members[0];
		if (!head->selector) {
			if (!exported || exported_to(head, lk->cns->name)) {
				plain = &h->entries[i];
				nplain++;
			}
		} else if (!strcmp(head->ns, lk->cns->name) &&
			   labels_contain(lk->labels, head->selector)) {
			step_dr(lk, head, "D9", "its workloadSelector selects the client%s",
				": selector rules come first");
			return &h->entries[i];
		} else {
			step_dr(lk, head, "D9", "%s", "its workloadSelector does not select the client");
		}
	}
	if (plain && nplain > 1)
		step_dr(lk, plain->members[0], "D8",
			"%s: several rules for this host with different exportTo; the newest is used",
			lk->host);
	return plain;
}

static void report_entry(struct lookup *lk, const struct tls_dr_host *h,
			 const struct tls_dr_entry *e, const char *where)
{
	size_t i;
	char *ref;

	if (!lk->steps)
		return;
	ref = tls_obj_ref(e->members[0]->obj);
	if (h->wildcard)
		tls_step_add(lk->steps, "client", "dr", ref, "D1, D5",
			     "wildcard host %s matches, found in the %s %s", h->host, where,
			     e->members[0]->ns);
	else
		tls_step_add(lk->steps, "client", "dr", ref, "D1, D6", "host matches, found in the %s %s",
			     where, e->members[0]->ns);
	free(ref);
	for (i = 1; i < e->nmembers; i++)
		step_dr(lk, e->members[i], "D7",
			"merged into the same rule: its subsets are added, its trafficPolicy only if none yet%s",
			e->tp_from ? "" : " (none has one)");
}

static const struct tls_dr_entry *search(struct lookup *lk, const struct tls_dr_index *ix,
					 const char *ns, const char *where, int exported,
					 int *stop)
{
	const struct tls_dr_host *h = most_specific(ix, lk->host, lk->hash);
	const struct tls_dr_entry *e;

	*stop = 0;
	if (!h) {
		if (lk->steps)
			tls_step_add(lk->steps, "client", "dr", ns, "D1",
				     "%s: no DestinationRule for %s", where, lk->host);
		return NULL;
	}
	e = pick(lk, h, exported);
	if (e) {
		report_entry(lk, h, e, where);
		*stop = 1;
		return e;
	}
	if (!exported) {
		if (lk->steps)
			tls_step_add(lk->steps, "client", "dr", ns, "D10",
				     "%s has rules for %s but none applies to this client: the lookup stops here",
				     where, h->host);
		*stop = 1;
	} else if (lk->steps) {
		tls_step_add(lk->steps, "client", "dr", ns, "D3",
			     "%s: the most specific rule for %s is not exported to %s", where,
			     h->host, lk->cns->name);
	}
	return NULL;
}

const struct tls_dr_entry *tls_dr_resolve(const struct tls_mesh *m, const struct tls_ns *cns,
					  json_t *client_labels, const struct tls_ns *sns,
					  const char *host, uint64_t host_hash,
					  struct tls_steps *steps)
{
	struct lookup lk = { cns, client_labels, host, host_hash, steps };
	const struct tls_dr_entry *e;
	const struct tls_ns *rns = m->root_ns;
	int root_client = cns == rns, stop;

	e = search(&lk, root_client ? &m->root_local : &cns->local, cns->name,
		   root_client ? "client namespace (root, private rules)" : "client namespace", 0,
		   &stop);
	if (stop)
		return e;
	if (sns && sns != cns) {
		e = search(&lk, &sns->exported, sns->name, "service namespace", 1, &stop);
		if (stop)
			return e;
	}
	if (rns && rns != sns) {
		e = search(&lk, &rns->exported, rns->name, "root namespace", 1, &stop);
		if (stop)
			return e;
	}
	if (steps)
		tls_step_add(steps, "client", "dr", "-", "D1", "no DestinationRule applies to %s",
			     host);
	return NULL;
}

int tls_dr_client_specific(const struct tls_mesh *m, const struct tls_ns *cns, const char *host,
			   uint64_t host_hash)
{
	return cns == m->root_ns || cns->export_named || most_specific(&cns->local, host, host_hash);
}

const struct tls_subset_ref *tls_dr_subset(const struct tls_dr_entry *e, const char *name)
{
	size_t i;
	for (i = 0; e && i < e->nsubsets; i++)
		if (!strcmp(e->subsets[i].s->name, name))
			return &e->subsets[i];
	return NULL;
}

int tls_dr_any_subset(const struct tls_mesh *m, const char *host, const char *name)
{
	size_t i, j;
	for (i = 0; i < m->ndrs; i++) {
		const struct tls_dr *dr = &m->drs[i];
		if (!tls_host_matches(dr->host, dr->wildcard, host))
			continue;
		for (j = 0; j < dr->nsubsets; j++)
			if (!strcmp(dr->subsets[j].name, name))
				return 1;
	}
	return 0;
}

/* --- Port and subset policy (D11-D13, D15) --- */

static const struct tls_port_policy *port_policy(const struct tls_policy *tp, int port)
{
	size_t i;
	for (i = 0; tp && i < tp->nports; i++)
		if (tp->ports[i].port == port)
			return &tp->ports[i];
	return NULL;
}

static const char *tls_word(const struct tls_tls *t)
{
	return t->set ? tls_cmode_name(t->mode) : "no tls";
}

/* D11 on one policy: the cluster's tls, and what endpoint metadata reads (D12). */
static void port_level(const struct tls_policy *tp, int port, struct tls_tls *cluster,
		       struct tls_tls *meta, int *passthrough, const struct tls_port_policy **pe)
{
	*pe = port_policy(tp, port);
	*cluster = *pe ? (*pe)->tls : tp->tls;
	*meta = *pe && (*pe)->tls.set ? (*pe)->tls : tp->tls;
	*passthrough = *pe ? (*pe)->passthrough : tp->passthrough;
}

static void apply_root(struct tls_client_tls *out, const struct tls_dr *from, int port,
		       struct tls_steps *steps)
{
	const struct tls_port_policy *pe;
	struct tls_tls meta;
	char *ref;

	port_level(&from->tp, port, &out->tls, &meta, &out->passthrough, &pe);
	out->tls_from = out->tls.set ? from : NULL;
	out->meta_set = meta.set;
	out->meta_mode = meta.mode;
	out->meta_from = from;
	if (!steps)
		return;
	ref = tls_obj_ref(from->obj);
	if (pe)
		tls_step_add(steps, "client", "port", ref, "D11, P2",
			     "portLevelSettings %d replaces the top-level policy: %s", port,
			     tls_word(&pe->tls));
	else
		tls_step_add(steps, "client", "port", ref, "D11, P2",
			     "no portLevelSettings for %d: top-level %s", port,
			     tls_word(&from->tp.tls));
	if (pe && !pe->tls.set && from->tp.tls.set)
		tls_step_add(steps, "client", "port", ref, "D12",
			     "endpoint metadata still reads the top-level tls %s",
			     tls_cmode_name(from->tp.tls.mode));
	free(ref);
}

static void apply_subset(struct tls_client_tls *out, const struct tls_subset_ref *sub, int port,
			 struct tls_steps *steps)
{
	const struct tls_port_policy *pe;
	struct tls_tls cluster, meta;
	int passthrough;
	char *ref;

	port_level(&sub->s->tp, port, &cluster, &meta, &passthrough, &pe);
	if (cluster.set) {
		out->tls = cluster;
		out->tls_from = sub->from;
	}
	if (meta.set) {
		out->meta_set = 1;
		out->meta_mode = meta.mode;
		out->meta_from = sub->from;
	}
	out->passthrough |= passthrough;
	if (!steps)
		return;
	ref = tls_obj_ref(sub->from->obj);
	if (cluster.set)
		tls_step_add(steps, "client", "subset", ref, "D13",
			     "subset %s sets tls %s for port %d", sub->s->name,
			     tls_cmode_name(cluster.mode), port);
	else
		tls_step_add(steps, "client", "subset", ref, "D13",
			     "subset %s sets no tls for port %d: the rule's policy stays", sub->s->name,
			     port);
	free(ref);
}

void tls_client_policy(const struct tls_dr_entry *e, int port, const struct tls_subset_ref *sub,
		       struct tls_client_tls *out, struct tls_steps *steps)
{
	memset(out, 0, sizeof(*out));
	out->entry = e;
	if (!e)
		return;
	if (e->tp_from) {
		apply_root(out, e->tp_from, port, steps);
	} else if (steps) {
		char *ref = tls_obj_ref(e->members[0]->obj);
		tls_step_add(steps, "client", "port", ref, "D11",
			     "no trafficPolicy: no tls for port %d", port);
		free(ref);
	}
	if (sub)
		apply_subset(out, sub, port, steps);
	if (out->tls.set && (out->tls.mode == TLS_CM_SIMPLE || out->tls.mode == TLS_CM_MUTUAL) &&
	    out->tls.credential && !e->members[0]->selector) {
		out->cred_ignored = 1;
		if (steps) {
			char *ref = tls_obj_ref(out->tls_from->obj);
			tls_step_add(steps, "client", "tls", ref, "D15",
				     "%s with credentialName on a rule without workloadSelector: the sidecar builds no TLS and sends plaintext",
				     tls_cmode_name(out->tls.mode));
			free(ref);
		}
	}
}
