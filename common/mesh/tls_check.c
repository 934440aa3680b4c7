/* SPDX-License-Identifier: Apache-2.0 */
/* check: every client workload x service port pair, computed over groups that behave alike. */
#include "mesh/tls_priv.h"
#include "labels.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Clients are grouped into classes whose members resolve every call the
 * same way: no proxy; ambient; or a sidecar in a namespace (all
 * namespaces that neither hold nor receive DestinationRules share one
 * class), with the same matches among the namespace's selector rules and
 * the same excluded outbound ports.  Endpoints of a service port are
 * grouped by the facts the verdict reads.  A verdict is computed once per
 * (class, service port), on demand, so the work grows with classes x
 * service ports, not with pods.
 */

/* One (class, service port): the verdict and what decided it. */
struct ck_cell {
	unsigned char set, verdict, strict, kase, cause;
	unsigned short rep;         /* the endpoint class that gave the verdict */
	unsigned short dr;          /* 1 + index of the deciding rule in m->drs, or 0 */
};

struct ck_class {
	struct tls_pod *rep;
};

struct ck_workload {
	char *name;
	const char *ns;
	size_t *cls;                /* sorted class indexes */
	struct tls_pod **pods;      /* the workload's first pod in each class */
	size_t ncls;
};

struct ck_svc {
	json_t *svc;
	struct ck_cell generic;     /* a sidecar client of a namespace without rules (see eval) */
	int port;
	char *label;
	const char *ns;
	struct tls_svc_info info;
	struct tls_ep *eps;
	size_t nep;
	size_t *reps;
	size_t nreps;
};

struct ck_state {
	struct tls_mesh *m;
	const char *scope;
	struct ck_class *cls;
	size_t ncls, acls;
	struct ck_workload *wls;
	size_t nwls, awls;
	struct ck_svc *svcs;
	size_t nsvcs, asvcs;
	json_t *wl_by_name, *svc_by_label;
	struct ck_cell *V;          /* ncls x nsvcs, computed on demand */
};

struct ck_pair {
	int present;
	enum tls_verdict v;
	int strict;                 /* PLAINTEXT against a computed STRICT */
	size_t cls;                 /* the class that gave the verdict */
	const struct ck_cell *cell;
};

/* --- Classes and workloads --- */

static void class_key(struct strbuf *key, const struct tls_pod *p)
{
	size_t i;

	strbuf_reset(key);
	if (p->proxy != TLS_PROXY_SIDECAR) {
		strbuf_addstr(key, p->proxy == TLS_PROXY_AMBIENT ? "ambient" : "none");
		return;
	}
	strbuf_addf(key, "sidecar|%s|", p->ns->dr_relevant ? p->ns->name : "*");
	for (i = 0; i < p->ns->nsel_drs; i++)
		strbuf_addch(key, labels_contain(p->labels, p->ns->sel_drs[i]->selector) ?
				       '1' : '0');
	strbuf_addch(key, '|');
	for (i = 0; i < p->excl_out.n; i++)
		strbuf_addf(key, "%d,", p->excl_out.v[i]);
}

static size_t class_of(struct ck_state *st, json_t *by_key, struct tls_pod *p, struct strbuf *key)
{
	json_t *ix;

	class_key(key, p);
	ix = json_object_get(by_key, key->buf);
	if (ix)
		return (size_t)json_integer_value(ix);
	ALLOC_GROW(st->cls, st->ncls + 1, st->acls);
	st->cls[st->ncls].rep = p;
	json_object_set_new(by_key, key->buf, json_integer((json_int_t)st->ncls));
	return st->ncls++;
}

static void workload_add_class(struct ck_workload *w, size_t c, struct tls_pod *p)
{
	size_t i, j;
	for (i = 0; i < w->ncls && w->cls[i] < c; i++)
		;
	if (i < w->ncls && w->cls[i] == c)
		return;
	w->cls = xreallocarray(w->cls, w->ncls + 1, sizeof(*w->cls));
	w->pods = xreallocarray(w->pods, w->ncls + 1, sizeof(*w->pods));
	for (j = w->ncls; j > i; j--) {
		w->cls[j] = w->cls[j - 1];
		w->pods[j] = w->pods[j - 1];
	}
	w->cls[i] = c;
	w->pods[i] = p;
	w->ncls++;
}

/* The control plane is no client of the mesh's services. */
static int is_control_plane(const struct tls_pod *p)
{
	const char *app = obj_label(p->obj, "app");
	return app && !strcmp(app, "istiod");
}

static struct ck_workload *workload_of(struct ck_state *st, const struct tls_pod *p)
{
	char *name = tls_workload_name(p);
	json_t *ix = json_object_get(st->wl_by_name, name);
	struct ck_workload *w;

	if (ix) {
		free(name);
		return &st->wls[json_integer_value(ix)];
	}
	ALLOC_GROW(st->wls, st->nwls + 1, st->awls);
	w = &st->wls[st->nwls];
	memset(w, 0, sizeof(*w));
	w->name = name;
	w->ns = p->ns->name;
	json_object_set_new(st->wl_by_name, name, json_integer((json_int_t)st->nwls++));
	return w;
}

static void add_clients(struct ck_state *st)
{
	json_t *by_key = json_object();
	struct strbuf key = STRBUF_INIT;
	size_t i;

	for (i = 0; i < st->m->npods; i++) {
		struct tls_pod *p = &st->m->pods[i];
		if (p->terminal || is_control_plane(p))
			continue;
		workload_add_class(workload_of(st, p), class_of(st, by_key, p, &key), p);
	}
	strbuf_release(&key);
	json_decref(by_key);
}

/* --- Service ports and endpoint classes --- */

static int same_behaviour(const struct tls_ep *a, const struct tls_ep *b)
{
	return a->pod->proxy == b->pod->proxy && a->excluded == b->excluded && a->mode == b->mode &&
	       a->pod->istio_label == b->pod->istio_label && a->pod->tunnel == b->pod->tunnel;
}

static void endpoint_classes(struct ck_svc *s)
{
	size_t i, j;

	s->reps = xcalloc(s->nep ? s->nep : 1, sizeof(*s->reps));
	for (i = 0; i < s->nep; i++) {
		for (j = 0; j < s->nreps; j++)
			if (same_behaviour(&s->eps[i], &s->eps[s->reps[j]]))
				break;
		if (j == s->nreps)
			s->reps[s->nreps++] = i;
	}
}

static void add_service_port(struct ck_state *st, json_t *svc, json_t *sp)
{
	struct ck_svc *s;

	ALLOC_GROW(st->svcs, st->nsvcs + 1, st->asvcs);
	s = &st->svcs[st->nsvcs];
	memset(s, 0, sizeof(*s));
	s->svc = svc;
	s->port = (int)json_integer_value(json_object_get(sp, "port"));
	s->ns = obj_namespace(svc);
	s->label = xasprintf("svc/%s.%s:%d", obj_name(svc), s->ns, s->port);
	s->nep = tls_endpoints(st->m, svc, sp, &s->eps, NULL);
	tls_svc_info_init(st->m, &s->info, svc, s->port, s->eps, s->nep);
	endpoint_classes(s);
	json_object_set_new(st->svc_by_label, s->label, json_integer((json_int_t)st->nsvcs++));
}

static void add_services(struct ck_state *st)
{
	json_t *svc, *sp;
	size_t i, j;

	json_array_foreach(objset_list(st->m->set, OBJ_SERVICE), i, svc)
		json_array_foreach(obj_path(svc, "spec.ports"), j, sp)
			add_service_port(st, svc, sp);
}

static struct ck_state *state_new(struct tls_mesh *m, const char *scope)
{
	struct ck_state *st = xcalloc(1, sizeof(*st));

	st->m = m;
	st->scope = scope;
	st->wl_by_name = json_object();
	st->svc_by_label = json_object();
	add_clients(st);
	add_services(st);
	st->V = xcalloc(st->ncls * st->nsvcs + 1, sizeof(*st->V));
	return st;
}

static void state_free(struct ck_state *st)
{
	size_t i;
	for (i = 0; i < st->nwls; i++) {
		free(st->wls[i].name);
		free(st->wls[i].cls);
		free(st->wls[i].pods);
	}
	for (i = 0; i < st->nsvcs; i++) {
		free(st->svcs[i].label);
		free(st->svcs[i].eps);
		free(st->svcs[i].reps);
		tls_svc_info_release(&st->svcs[i].info);
	}
	free(st->cls);
	free(st->wls);
	free(st->svcs);
	free(st->V);
	json_decref(st->wl_by_name);
	json_decref(st->svc_by_label);
	free(st);
}

/* --- Verdicts --- */

/* Whether endpoint verdict v at ep beats the one kept so far (worst first, STRICT plaintext next). */
static int decides(enum tls_verdict v, const struct tls_ep *ep, enum tls_verdict kept,
		   int kept_strict, int first)
{
	return first || v > kept ||
	       (v == kept && v == TLS_PLAINTEXT && ep->mode == TLS_SM_STRICT && !kept_strict);
}

static void compute(struct ck_state *st, const struct tls_pod *pod, const struct ck_svc *s,
		    struct ck_cell *cell)
{
	struct tls_client_ctx c;
	size_t r;

	tls_client_prepare(st->m, &c, pod, &s->info, NULL, NULL, NULL);
	for (r = 0; r < s->nreps; r++) {
		const struct tls_ep *ep = &s->eps[s->reps[r]];
		struct tls_decision d;
		enum tls_case k;
		enum tls_verdict v;

		tls_client_decide(st->m, &c, ep, &d);
		k = tls_judge(&c, ep, &d);
		v = tls_case_verdict(k);
		if (!decides(v, ep, (enum tls_verdict)cell->verdict, cell->strict, r == 0))
			continue;
		cell->verdict = (unsigned char)v;
		cell->strict = v == TLS_PLAINTEXT && ep->mode == TLS_SM_STRICT;
		cell->kase = (unsigned char)k;
		cell->cause = (unsigned char)d.cause;
		cell->rep = (unsigned short)r;
		cell->dr = d.dr ? (unsigned short)(d.dr - st->m->drs + 1) : 0;
	}
	cell->set = 1;
}

/*
 * A sidecar client whose namespace cannot change the DestinationRule
 * lookup for this host (tls_dr_client_specific) and that does not
 * exclude the port behaves like every other such client: the service
 * port keeps that verdict once, in generic.
 */
static const struct ck_cell *eval(struct ck_state *st, size_t ci, size_t si)
{
	struct ck_cell *cell = &st->V[ci * st->nsvcs + si];
	struct ck_svc *s = &st->svcs[si];
	const struct tls_pod *p = st->cls[ci].rep;

	if (cell->set)
		return cell;
	if (p->proxy == TLS_PROXY_SIDECAR && !tls_ports_has(&p->excl_out, s->port) &&
	    !tls_dr_client_specific(st->m, p->ns, s->info.host, s->info.host_hash)) {
		if (!s->generic.set)
			compute(st, p, s, &s->generic);
		*cell = s->generic;
		return cell;
	}
	compute(st, p, s, cell);
	return cell;
}

static void group_pair(struct ck_state *st, const size_t *cls, size_t ncls, size_t si,
		       struct ck_pair *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->present = ncls > 0 && st->svcs[si].nep > 0;
	for (i = 0; out->present && i < ncls; i++) {
		const struct ck_cell *c = eval(st, cls[i], si);
		if (!i || c->verdict > out->v || (c->verdict == out->v && c->strict && !out->strict)) {
			out->v = (enum tls_verdict)c->verdict;
			out->strict = c->strict;
			out->cls = cls[i];
			out->cell = c;
		}
	}
}

/* The pod that stands for a row: the first listed workload's pod in the deciding class. */
static struct tls_pod *row_pod(struct ck_state *st, json_t *names, size_t cls)
{
	json_t *ix = json_object_get(st->wl_by_name, json_string_value(json_array_get(names, 0)));
	const struct ck_workload *w = ix ? &st->wls[json_integer_value(ix)] : NULL;
	size_t i;

	for (i = 0; w && i < w->ncls; i++)
		if (w->cls[i] == cls)
			return w->pods[i];
	return st->cls[cls].rep;
}

/* {verdict, reason, fix, client_mode, server_mode, endpoint} for pod calling service port si. */
static json_t *explain(struct ck_state *st, struct tls_pod *pod, size_t si)
{
	const struct ck_svc *s = &st->svcs[si];
	struct tls_endpoint e;
	struct tls_client_ctx c;
	struct tls_decision d, best_d;
	enum tls_case best_k = TLS_C_MTLS;
	const struct tls_ep *best = NULL;
	int strict = 0;
	char *ref;
	json_t *out;
	size_t i;

	tls_client_prepare(st->m, &c, pod, &s->info, NULL, NULL, NULL);
	for (i = 0; i < s->nep; i++) {
		enum tls_case k;
		tls_client_decide(st->m, &c, &s->eps[i], &d);
		k = tls_judge(&c, &s->eps[i], &d);
		if (!decides(tls_case_verdict(k), &s->eps[i], tls_case_verdict(best_k), strict, !best))
			continue;
		best = &s->eps[i];
		best_k = k;
		best_d = d;
		strict = tls_case_verdict(k) == TLS_PLAINTEXT && best->mode == TLS_SM_STRICT;
	}
	memset(&e, 0, sizeof(e));
	tls_explain(st->m, &c, s->svc, best, &best_d, best_k, &e);
	ref = tls_obj_ref(best->pod->obj);
	out = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s}", "verdict",
			tls_verdict_name(tls_case_verdict(best_k)), "reason", e.reason, "fix", e.fix,
			"client_mode", tls_cmode_name(best_d.mode), "server_mode",
			tls_smode_name(best->mode), "endpoint", ref);
	free(ref);
	free(e.reason);
	free(e.symptom);
	free(e.fix);
	return out;
}

static json_t *pair_json(struct ck_state *st, const struct ck_pair *p, size_t si, json_t *names)
{
	if (!p->present)
		return json_null();
	return explain(st, row_pod(st, names, p->cls), si);
}

/* --- Groups of workloads with the same classes (per side for diff) --- */

struct ck_group {
	const size_t *cls[2];
	size_t ncls[2];
	int in_scope;
	json_t *names;
};

struct ck_groups {
	struct ck_group *v;
	size_t n, alloc;
	json_t *by_key;
};

static void key_classes(struct strbuf *key, const struct ck_workload *w)
{
	size_t i;
	if (!w) {
		strbuf_addstr(key, "-|");
		return;
	}
	for (i = 0; i < w->ncls; i++)
		strbuf_addf(key, "%zu,", w->cls[i]);
	strbuf_addch(key, '|');
}

static void group_add(struct ck_groups *g, const struct ck_workload *a, const struct ck_workload *b,
		      const char *name, int in_scope)
{
	struct strbuf key = STRBUF_INIT;
	json_t *ix;
	struct ck_group *grp;

	key_classes(&key, a);
	key_classes(&key, b);
	strbuf_addch(&key, in_scope ? 'y' : 'n');
	ix = json_object_get(g->by_key, key.buf);
	if (ix) {
		grp = &g->v[json_integer_value(ix)];
	} else {
		ALLOC_GROW(g->v, g->n + 1, g->alloc);
		grp = &g->v[g->n];
		memset(grp, 0, sizeof(*grp));
		if (a) {
			grp->cls[0] = a->cls;
			grp->ncls[0] = a->ncls;
		}
		if (b) {
			grp->cls[1] = b->cls;
			grp->ncls[1] = b->ncls;
		}
		grp->in_scope = in_scope;
		grp->names = json_array();
		json_object_set_new(g->by_key, key.buf, json_integer((json_int_t)g->n++));
	}
	json_array_append_new(grp->names, json_string(name));
	strbuf_release(&key);
}

static int workload_in_scope(const struct ck_workload *w, const char *scope)
{
	return !scope || !strcmp(w->ns, scope);
}

static void groups_release(struct ck_groups *g)
{
	size_t i;
	for (i = 0; i < g->n; i++)
		json_decref(g->v[i].names);
	free(g->v);
	json_decref(g->by_key);
}

static void groups_finish(struct ck_groups *g)
{
	size_t i;
	for (i = 0; i < g->n; i++)
		tls_json_sort(g->v[i].names, tls_cmp_json_strings);
}

static int pair_in_scope(const struct ck_group *g, const char *svc_ns, const char *scope)
{
	return !scope || g->in_scope || !strcmp(svc_ns, scope);
}

/* --- Rows --- */

static const char *first_string(json_t *row, const char *key)
{
	json_t *v = json_object_get(row, key);
	return json_string_value(json_is_array(v) ? json_array_get(v, 0) : v);
}

static int cmp_rows(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(first_string(x, json_object_get(x, "service") ? "service" : "services"),
		       first_string(y, json_object_get(y, "service") ? "service" : "services"));
	return c ? c : strcmp(first_string(x, "clients"), first_string(y, "clients"));
}

/*
 * Check rows.  First the pairs of one client group that fail for the same
 * reason (verdict, case, cause, rule, policy) are gathered with their
 * service ports; then groups with the same reason and the same service
 * ports share a row, so a row always means "each of these clients with
 * each of these services".
 */
struct ck_acc {
	size_t gi, cls;
	const struct ck_cell *cell;
	const struct tls_pa *policy;
	size_t *svcs;
	size_t n, alloc;
	uint64_t hash;              /* FNV-1a of the service port indexes */
};

/* Open addressing from a signature hash to an index into the accumulators. */
struct ck_table {
	uint64_t *h;
	size_t *ix;
	size_t cap, n;
};

#define CK_EMPTY ((size_t)-1)
#define FNV_OFFSET 1469598103934665603ULL

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 1099511628211ULL;
}

/* A row's reason, plus its group (first pass) or its service ports (second pass). */
static uint64_t sig_hash(const struct ck_acc *a, int by_group)
{
	uint64_t h = FNV_OFFSET;
	h = mix(h, a->cell->verdict);
	h = mix(h, a->cell->kase);
	h = mix(h, a->cell->cause);
	h = mix(h, a->cell->dr);
	h = mix(h, (uint64_t)(uintptr_t)a->policy);
	return by_group ? mix(h, a->gi) : mix(mix(h, a->hash), a->n);
}

static int same_sig(const struct ck_acc *a, const struct ck_acc *b, int by_group)
{
	if (a->cell->verdict != b->cell->verdict || a->cell->kase != b->cell->kase ||
	    a->cell->cause != b->cell->cause || a->cell->dr != b->cell->dr ||
	    a->policy != b->policy)
		return 0;
	if (by_group)
		return a->gi == b->gi;
	return a->n == b->n && !memcmp(a->svcs, b->svcs, a->n * sizeof(*a->svcs));
}

static void table_grow(struct ck_table *t)
{
	struct ck_table old = *t;
	size_t i;

	t->cap = old.cap ? old.cap * 2 : 64;
	t->h = xcalloc(t->cap, sizeof(*t->h));
	t->ix = xmalloc(t->cap * sizeof(*t->ix));
	for (i = 0; i < t->cap; i++)
		t->ix[i] = CK_EMPTY;
	for (i = 0; i < old.cap; i++) {
		size_t j;
		if (old.ix[i] == CK_EMPTY)
			continue;
		for (j = old.h[i] & (t->cap - 1); t->ix[j] != CK_EMPTY; j = (j + 1) & (t->cap - 1))
			;
		t->h[j] = old.h[i];
		t->ix[j] = old.ix[i];
	}
	free(old.h);
	free(old.ix);
}

/* The slot holding the accumulator equal to probe, or a new slot set to CK_EMPTY. */
static size_t *table_slot(struct ck_table *t, const struct ck_acc *accs,
			  const struct ck_acc *probe, int by_group)
{
	uint64_t h = sig_hash(probe, by_group);
	size_t i;

	if (2 * (t->n + 1) > t->cap)
		table_grow(t);
	for (i = h & (t->cap - 1); t->ix[i] != CK_EMPTY; i = (i + 1) & (t->cap - 1))
		if (t->h[i] == h && same_sig(&accs[t->ix[i]], probe, by_group))
			return &t->ix[i];
	t->h[i] = h;
	t->n++;
	return &t->ix[i];
}

static void table_release(struct ck_table *t)
{
	free(t->h);
	free(t->ix);
}

struct ck_rows {
	struct ck_acc *acc;
	size_t n, alloc;
	struct ck_table by_sig;
};

static void row_add(struct ck_state *st, struct ck_rows *r, size_t gi, size_t si,
		    const struct ck_pair *p)
{
	const struct ck_svc *s = &st->svcs[si];
	struct ck_acc probe = { gi, p->cls, p->cell, s->eps[s->reps[p->cell->rep]].policy,
				NULL, 0, 0, FNV_OFFSET };
	size_t *slot = table_slot(&r->by_sig, r->acc, &probe, 1);
	struct ck_acc *a;

	if (*slot == CK_EMPTY) {
		ALLOC_GROW(r->acc, r->n + 1, r->alloc);
		r->acc[r->n] = probe;
		*slot = r->n++;
	}
	a = &r->acc[*slot];
	ALLOC_GROW(a->svcs, a->n + 1, a->alloc);
	a->svcs[a->n++] = si;
	a->hash = mix(a->hash, si);
}

static json_t *row_json(struct ck_state *st, const struct ck_groups *g, const struct ck_acc *a,
			json_t *clients)
{
	struct ck_pair p = { 1, (enum tls_verdict)a->cell->verdict, a->cell->strict, a->cls, a->cell };
	json_t *row = pair_json(st, &p, a->svcs[0], g->v[a->gi].names), *svcs = json_array();
	size_t i;

	for (i = 0; i < a->n; i++)
		json_array_append_new(svcs, json_string(st->svcs[a->svcs[i]].label));
	tls_json_sort(clients, tls_cmp_json_strings);
	json_object_set_new(row, "clients", clients);
	json_object_set_new(row, "services", svcs);
	return row;
}

static json_t *rows_finish(struct ck_state *st, const struct ck_groups *g, struct ck_rows *r)
{
	struct ck_table merged = { NULL, NULL, 0, 0 };
	json_t *rows = json_array(), *clients = json_array();
	size_t i, *first = xcalloc(r->n + 1, sizeof(*first)), nfirst = 0;
	size_t *row_of = xcalloc(r->n + 1, sizeof(*row_of));

	for (i = 0; i < r->n; i++) {
		size_t *slot = table_slot(&merged, r->acc, &r->acc[i], 0);
		if (*slot == CK_EMPTY) {
			*slot = i;
			row_of[i] = nfirst;
			first[nfirst++] = i;
			json_array_append_new(clients, json_array());
		}
		json_array_extend(json_array_get(clients, row_of[*slot]), g->v[r->acc[i].gi].names);
	}
	for (i = 0; i < nfirst; i++)
		json_array_append_new(rows, row_json(st, g, &r->acc[first[i]],
						     json_incref(json_array_get(clients, i))));
	for (i = 0; i < r->n; i++)
		free(r->acc[i].svcs);
	free(r->acc);
	free(first);
	free(row_of);
	table_release(&r->by_sig);
	table_release(&merged);
	json_decref(clients);
	tls_json_sort(rows, cmp_rows);
	return rows;
}

/* --- DestinationRule tls that contradicts the servers (KIA0207/0208 and kin) --- */

enum conflict { CF_DISABLE_STRICT, CF_MUTUAL_NOPROXY, CF_MUTUAL_DISABLE, CF_TLS_STRICT, CF__N };

struct cf_note {
	size_t count;
	size_t si;
	const struct tls_ep *ep;
};

static int conflicts(enum tls_cmode mode, const struct tls_ep *ep, enum conflict *out)
{
	int sidecar = ep->pod->proxy == TLS_PROXY_SIDECAR && !ep->excluded;

	if (mode == TLS_CM_DISABLE && sidecar && ep->mode == TLS_SM_STRICT)
		*out = CF_DISABLE_STRICT;
	else if (mode == TLS_CM_ISTIO_MUTUAL && !sidecar && ep->pod->proxy != TLS_PROXY_AMBIENT)
		*out = CF_MUTUAL_NOPROXY;
	else if (mode == TLS_CM_ISTIO_MUTUAL && sidecar && ep->mode == TLS_SM_DISABLE)
		*out = CF_MUTUAL_DISABLE;
	else if ((mode == TLS_CM_SIMPLE || mode == TLS_CM_MUTUAL) && sidecar &&
		 ep->mode == TLS_SM_STRICT)
		*out = CF_TLS_STRICT;
	else
		return 0;
	return 1;
}

static void note_conflicts(const struct tls_dr *dr, struct ck_state *st, size_t si,
			   struct cf_note *notes)
{
	const struct ck_svc *s = &st->svcs[si];
	const struct tls_port_policy *pe = NULL;
	const struct tls_tls *t;
	int seen[CF__N] = { 0 };
	size_t i;

	for (i = 0; i < dr->tp.nports; i++)
		if (dr->tp.ports[i].port == s->port)
			pe = &dr->tp.ports[i];
	t = pe ? &pe->tls : &dr->tp.tls;
	if (!t->set)
		return;
	for (i = 0; i < s->nep; i++) {
		enum conflict k;
		if (!conflicts(t->mode, &s->eps[i], &k) || seen[k]++)
			continue;
		if (!notes[k].count++) {
			notes[k].si = si;
			notes[k].ep = &s->eps[i];
		}
	}
}

static char *conflict_text(const struct tls_dr *dr, struct ck_state *st, enum conflict k,
			   const struct cf_note *n)
{
	static const char *const what[] = {
		"tls DISABLE for %s, whose endpoint %s/%s runs STRICT (%s)",
		"tls ISTIO_MUTUAL for %s, whose endpoint %s/%s has no sidecar to terminate it%s",
		"tls ISTIO_MUTUAL for %s, whose endpoint %s/%s runs DISABLE (%s)",
		"SIMPLE/MUTUAL tls for %s, whose endpoint %s/%s requires Istio mTLS (STRICT, %s)",
	};
	const struct tls_ep *ep = n->ep;
	char *pol = ep->policy ? xasprintf("%s/%s", ep->policy->ns, ep->policy->name) :
				 xstrdup(k == CF_MUTUAL_NOPROXY ? "" : "default");
	struct strbuf sb = STRBUF_INIT;

	(void)dr;
	strbuf_addstr(&sb, "sets ");
	strbuf_addf(&sb, what[k], st->svcs[n->si].label, ep->pod->ns->name, ep->pod->name, pol);
	if (n->count > 1)
		strbuf_addf(&sb, " (and %zu more service port%s)", n->count - 1,
			    n->count > 2 ? "s" : "");
	free(pol);
	return strbuf_detach(&sb, NULL);
}

static void rule_findings(struct ck_state *st, const struct tls_dr *dr, json_t *out)
{
	static const char *const rules[] = { "A1, W1", "A1, H1", "A1, W3", "A1, W1" };
	struct cf_note notes[CF__N];
	size_t si;
	int k;

	memset(notes, 0, sizeof(notes));
	for (si = 0; si < st->nsvcs; si++)
		if (tls_host_matches(dr->host, dr->wildcard, st->svcs[si].info.host) &&
		    (!st->scope || !strcmp(dr->ns, st->scope) || !strcmp(st->svcs[si].ns, st->scope)))
			note_conflicts(dr, st, si, notes);
	for (k = 0; k < CF__N; k++) {
		char *obj, *msg;
		if (!notes[k].count)
			continue;
		obj = xasprintf("DestinationRule %s/%s", dr->ns, dr->name);
		msg = conflict_text(dr, st, (enum conflict)k, &notes[k]);
		json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "rule", rules[k], "object",
						     obj, "message", msg));
		free(obj);
		free(msg);
	}
}

static int cmp_findings(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(x, "rule")),
		       json_string_value(json_object_get(y, "rule")));
	return c ? c : strcmp(json_string_value(json_object_get(x, "object")),
			      json_string_value(json_object_get(y, "object")));
}

static json_t *findings(struct ck_state *st)
{
	json_t *out = json_array();
	size_t i;

	tls_policy_findings(st->m, st->scope, out);
	tls_injection_findings(st->m, st->scope, out);
	for (i = 0; i < st->m->ndrs; i++)
		rule_findings(st, &st->m->drs[i], out);
	tls_json_sort(out, cmp_findings);
	return out;
}

/* --- check --- */

struct ck_counts {
	json_int_t pairs, by[3], strict;
	json_int_t workloads, service_ports;
};

static void build_groups(struct ck_state *st, struct ck_groups *g)
{
	size_t i;
	g->by_key = json_object();
	for (i = 0; i < st->nwls; i++)
		group_add(g, &st->wls[i], NULL, st->wls[i].name,
			  workload_in_scope(&st->wls[i], st->scope));
	groups_finish(g);
}

static void count_and_list(struct ck_state *st, const struct ck_groups *g, struct ck_counts *c,
			   struct ck_rows *broken, struct ck_rows *strict)
{
	unsigned char *svc_used = xcalloc(st->nsvcs + 1, 1);
	size_t gi, si;

	memset(c, 0, sizeof(*c));
	for (gi = 0; gi < g->n; gi++) {
		json_int_t before = c->pairs;
		for (si = 0; si < st->nsvcs; si++) {
			const struct ck_group *grp = &g->v[gi];
			json_int_t w = (json_int_t)json_array_size(grp->names);
			struct ck_pair p;

			if (!pair_in_scope(grp, st->svcs[si].ns, st->scope))
				continue;
			group_pair(st, grp->cls[0], grp->ncls[0], si, &p);
			if (!p.present)
				continue;
			c->pairs += w;
			c->by[p.v] += w;
			c->strict += p.strict ? w : 0;
			c->service_ports += !svc_used[si];
			svc_used[si] = 1;
			if (p.v == TLS_BROKEN && broken)
				row_add(st, broken, gi, si, &p);
			else if (p.strict && strict)
				row_add(st, strict, gi, si, &p);
		}
		if (c->pairs > before)
			c->workloads += (json_int_t)json_array_size(g->v[gi].names);
	}
	free(svc_used);
}

/* Service ports without endpoints that some client in scope could call. */
static json_int_t empty_ports(struct ck_state *st)
{
	json_int_t empty = 0;
	size_t i;
	int clients = !st->scope;

	for (i = 0; i < st->nwls && !clients; i++)
		clients = workload_in_scope(&st->wls[i], st->scope);
	for (i = 0; i < st->nsvcs; i++)
		if (!st->svcs[i].nep && (clients || !strcmp(st->svcs[i].ns, st->scope)))
			empty++;
	return empty;
}

static json_t *counts_json(struct ck_state *st, const struct ck_counts *c)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "workloads", c->workloads,
			 "service_ports", c->service_ports, "pairs", c->pairs, "mtls",
			 c->by[TLS_MTLS], "plaintext", c->by[TLS_PLAINTEXT], "broken",
			 c->by[TLS_BROKEN], "plaintext_strict", c->strict, "no_endpoints", empty_ports(st));
}

json_t *tls_check(struct tls_mesh *m, const char *ns)
{
	struct ck_state *st = state_new(m, ns);
	struct ck_groups g = { 0 };
	struct ck_counts c;
	struct ck_rows broken = { NULL, 0, 0, { NULL, NULL, 0, 0 } };
	struct ck_rows strict = { NULL, 0, 0, { NULL, NULL, 0, 0 } };
	json_t *doc;

	build_groups(st, &g);
	count_and_list(st, &g, &c, &broken, &strict);
	doc = json_pack("{s:o, s:o, s:o, s:o}", "summary", counts_json(st, &c), "broken",
			rows_finish(st, &g, &broken), "plaintext_strict",
			rows_finish(st, &g, &strict), "findings", findings(st));
	groups_release(&g);
	state_free(st);
	return doc;
}

/* --- what-if --- */

struct ck_svc_pair {
	const char *label, *ns;
	long ia, ib;               /* index in before / after, or -1 */
};

static void union_services(struct ck_state *a, struct ck_state *b, struct ck_svc_pair **out,
			   size_t *n)
{
	size_t i;

	*out = xcalloc(a->nsvcs + b->nsvcs + 1, sizeof(**out));
	*n = 0;
	for (i = 0; i < a->nsvcs; i++) {
		json_t *ix = json_object_get(b->svc_by_label, a->svcs[i].label);
		struct ck_svc_pair *p = &(*out)[(*n)++];
		p->label = a->svcs[i].label;
		p->ns = a->svcs[i].ns;
		p->ia = (long)i;
		p->ib = ix ? (long)json_integer_value(ix) : -1;
	}
	for (i = 0; i < b->nsvcs; i++) {
		struct ck_svc_pair *p;
		if (json_object_get(a->svc_by_label, b->svcs[i].label))
			continue;
		p = &(*out)[(*n)++];
		p->label = b->svcs[i].label;
		p->ns = b->svcs[i].ns;
		p->ia = -1;
		p->ib = (long)i;
	}
}

static void joint_groups(struct ck_state *a, struct ck_state *b, struct ck_groups *g)
{
	size_t i;

	g->by_key = json_object();
	for (i = 0; i < a->nwls; i++) {
		json_t *ix = json_object_get(b->wl_by_name, a->wls[i].name);
		const struct ck_workload *wb = ix ? &b->wls[json_integer_value(ix)] : NULL;
		group_add(g, &a->wls[i], wb, a->wls[i].name, workload_in_scope(&a->wls[i], a->scope));
	}
	for (i = 0; i < b->nwls; i++)
		if (!json_object_get(a->wl_by_name, b->wls[i].name))
			group_add(g, NULL, &b->wls[i], b->wls[i].name,
				  workload_in_scope(&b->wls[i], b->scope));
	groups_finish(g);
}

static void side_pair(struct ck_state *st, const struct ck_group *grp, int side, long si,
		      struct ck_pair *p)
{
	memset(p, 0, sizeof(*p));
	if (si >= 0)
		group_pair(st, grp->cls[side], grp->ncls[side], (size_t)si, p);
}

static json_t *diff_rows(struct ck_state *a, struct ck_state *b, json_int_t *changed,
			 json_int_t *new_broken)
{
	struct ck_groups g = { 0 };
	struct ck_svc_pair *sv;
	json_t *rows = json_array();
	size_t nsv, gi, k;

	joint_groups(a, b, &g);
	union_services(a, b, &sv, &nsv);
	for (gi = 0; gi < g.n; gi++)
		for (k = 0; k < nsv; k++) {
			struct ck_pair pa, pb;
			json_int_t w = (json_int_t)json_array_size(g.v[gi].names);

			if (!pair_in_scope(&g.v[gi], sv[k].ns, a->scope))
				continue;
			side_pair(a, &g.v[gi], 0, sv[k].ia, &pa);
			side_pair(b, &g.v[gi], 1, sv[k].ib, &pb);
			if (pa.present == pb.present && (!pa.present || pa.v == pb.v))
				continue;
			*changed += w;
			if (pb.present && pb.v == TLS_BROKEN && (!pa.present || pa.v != TLS_BROKEN))
				*new_broken += w;
			json_array_append_new(rows,
					      json_pack("{s:O, s:s, s:o, s:o}", "clients", g.v[gi].names,
							"service", sv[k].label, "before",
							pair_json(a, &pa, (size_t)sv[k].ia, g.v[gi].names),
							"after",
							pair_json(b, &pb, (size_t)sv[k].ib, g.v[gi].names)));
		}
	tls_json_sort(rows, cmp_rows);
	free(sv);
	groups_release(&g);
	return rows;
}

static json_t *summary_of(struct ck_state *st)
{
	struct ck_groups g = { 0 };
	struct ck_counts c;
	json_t *out;

	build_groups(st, &g);
	count_and_list(st, &g, &c, NULL, NULL);
	out = counts_json(st, &c);
	groups_release(&g);
	return out;
}

json_t *tls_check_diff(struct tls_mesh *before, struct tls_mesh *after, const char *ns)
{
	struct ck_state *a = state_new(before, ns), *b = state_new(after, ns);
	json_int_t changed = 0, new_broken = 0;
	json_t *rows = diff_rows(a, b, &changed, &new_broken), *doc;

	doc = json_pack("{s:o, s:{s:o, s:o, s:I, s:I}}", "changes", rows, "summary", "before",
			summary_of(a), "after", summary_of(b), "changed", changed, "new_broken",
			new_broken);
	state_free(a);
	state_free(b);
	return doc;
}
