/* SPDX-License-Identifier: Apache-2.0 */
/* config rbac: what istioctl x authz check prints, from the listeners' RBAC filters. */
#include "configdump.h"
#include "proxy.h"
#include "tabwriter.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define ANONYMOUS "_anonymous_match_nothing_"
/* The shadow rules of the RBAC filter istiod puts in front of ext_authz for CUSTOM policies. */
#define EXT_AUTHZ_STAT_PREFIX "istio_ext_authz_"

static const char *const actions[] = { "ALLOW", "DENY", "LOG" };  /* config.rbac.v3.RBAC.Action */
/* The order of the table; CUSTOM rows come from ext_authz's shadow rules. */
static const char *const print_order[] = { "DENY", "ALLOW", "LOG", "CUSTOM" };

struct authz {
	json_t *by_action;   /* action -> { policy name -> true } */
	json_t *rules;       /* policy name -> { rule index -> true } */
};

/* Offset of the last occurrence of lit in s that starts before offset `before`, or -1. */
static long last_before(const char *s, const char *lit, long before)
{
	const char *p;
	long last = -1;
	for (p = s; (p = strstr(p, lit)) && p - s < before; p++)
		last = p - s;
	return last;
}

/*
 * Go's regexp ns\[(.+)\]-policy\[(.+)\]-rule\[(.+)\] with FindStringSubmatch.
 * Each greedy group takes all the rest allows: group 3 ends at the last
 * ']', group 2 at the last "]-rule[" before it, group 1 at the last
 * "]-policy[" before that; the match starts at the first "ns[".
 */
int authz_policy_name_parse(const char *s, char **ns, char **policy, char **rule)
{
	const char *close = strrchr(s, ']'), *start = strstr(s, "ns[");
	long e1, e2, g1, g2, g3;

	if (!close || !start || strchr(s, '\n'))
		return -1;
	e2 = last_before(s, "]-rule[", (close - s) - 7);
	e1 = e2 < 0 ? -1 : last_before(s, "]-policy[", e2 - 9);
	g1 = (start - s) + 3;
	if (e1 <= g1)
		return -1;
	g2 = e1 + 9;
	g3 = e2 + 7;
	*ns = xstrndup(s + g1, (size_t)(e1 - g1));
	*policy = xstrndup(s + g2, (size_t)(e2 - g2));
	*rule = xstrndup(s + g3, (size_t)((close - s) - g3));
	return 0;
}

/* istioctl's "policy.namespace" and rule index of an RBAC policy name. */
static int parse_policy_name(const char *s, char **name, char **rule)
{
	char *ns, *policy;

	if (authz_policy_name_parse(s, &ns, &policy, rule))
		return -1;
	*name = xasprintf("%s.%s", policy, ns);
	free(ns);
	free(policy);
	return 0;
}

static void set_add(json_t *parent, const char *key, const char *member)
{
	json_t *set = json_object_get(parent, key);
	if (!set) {
		set = json_object();
		json_object_set_new(parent, key, set);
	}
	json_object_set_new(set, member, json_true());
}

static void add_policy(struct authz *a, const char *action, const char *policy)
{
	char *name = NULL, *rule = NULL;

	if (parse_policy_name(policy, &name, &rule)) {
		/* istioctl logs the name it cannot parse and counts it as "". */
		name = xstrdup("");
		rule = xstrdup("");
	}
	set_add(a->by_action, action, name);
	set_add(a->rules, name, rule);
	free(name);
	free(rule);
}

static void add_rbac(struct authz *a, json_t *rbac)
{
	json_t *rules = pb_get(rbac, "rules"), *policies = pb_get(rules, "policies"), *p;
	const char *action = pb_enum(rules, "action", actions, ARRAY_SIZE(actions)), *name;

	json_object_foreach(policies, name, p)
		add_policy(a, action, name);
	if (!json_object_size(policies)) {
		set_add(a->by_action, action, ANONYMOUS);
		set_add(a->rules, ANONYMOUS, "0");
	}
	if (!strcmp(pb_str(rbac, "shadow_rules_stat_prefix"), EXT_AUTHZ_STAT_PREFIX))
		json_object_foreach(pb_path(rbac, "shadow_rules.policies"), name, p)
			add_policy(a, "CUSTOM", name);
}

static void add_chain(struct authz *a, json_t *chain)
{
	json_t *filter, *hf;
	size_t i, j;

	json_array_foreach(pb_get(chain, "filters"), i, filter) {
		const char *name = pb_str(filter, "name");
		if (!strcmp(name, "envoy.filters.network.http_connection_manager") ||
		    !strcmp(name, "envoy.http_connection_manager")) {
			json_array_foreach(pb_path(filter, "typed_config.http_filters"), j, hf)
				if (!strcmp(pb_str(hf, "name"), "envoy.filters.http.rbac"))
					add_rbac(a, pb_get(hf, "typed_config"));
		} else if (!strcmp(name, "envoy.filters.network.rbac")) {
			add_rbac(a, pb_get(filter, "typed_config"));
		}
	}
}

static void print_authz(const struct authz *a, struct strbuf *out)
{
	struct tabwriter *tw = tabwriter_new(0, 3);
	size_t k;

	tabwriter_puts(tw, "ACTION\tAuthorizationPolicy\tRULES\n");
	for (k = 0; k < ARRAY_SIZE(print_order); k++) {
		json_t *names = json_object_get(a->by_action, print_order[k]);
		size_t n, i;
		const char **sorted = pbjson_sorted_keys(names, &n);

		for (i = 0; i < n; i++)
			tabwriter_printf(tw, "%s\t%s\t%zu\n", print_order[k], sorted[i],
					 json_object_size(json_object_get(a->rules, sorted[i])));
		free(sorted);
	}
	tabwriter_flush(tw, out);
	tabwriter_free(tw);
}

int config_rbac(const struct config_view *v, struct strbuf *out, struct strbuf *err)
{
	json_t *listeners = config_active_listeners(v->dump, err), *l, *chain;
	struct authz a;
	size_t i, j;

	if (!listeners)
		return -1;
	a.by_action = json_object();
	a.rules = json_object();
	json_array_foreach(listeners, i, l)
		json_array_foreach(pb_get(l, "filter_chains"), j, chain)
			add_chain(&a, chain);
	print_authz(&a, out);
	json_decref(listeners);
	json_decref(a.by_action);
	json_decref(a.rules);
	return 0;
}
