/* SPDX-License-Identifier: Apache-2.0 */
/* config secrets: istioctl proxy-config secret, certificates decoded with OpenSSL. */
#include "configdump.h"
#include "base64.h"
#include "tabwriter.h"
#include "xalloc.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

struct secret_item {
	char *name;
	const char *state;
	char *trust_domain;      /* NULL when unknown */
	/* from the first certificate of the PEM data; empty when there is none */
	const char *type;
	int valid;
	char *serial, *not_after, *not_before;
};

struct secret_items {
	struct secret_item *v;
	size_t nr, alloc;
};

static void format_time(const ASN1_TIME *t, char **out, time_t *when)
{
	struct tm tm;
	char buf[32];

	memset(&tm, 0, sizeof(tm));
	if (!ASN1_TIME_to_tm(t, &tm)) {
		*out = xstrdup("");
		*when = 0;
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	*out = xstrdup(buf);
	*when = timegm(&tm);
}

/* Go's fmt %032x of the serial number: lower-case hex, at least 32 digits. */
static char *format_serial(const X509 *x)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	struct strbuf out = STRBUF_INIT;
	const char *digits = hex ? hex : "0";
	int neg = *digits == '-';
	size_t n, i;

	if (neg) {
		strbuf_addch(&out, '-');
		digits++;
	}
	while (digits[0] == '0' && digits[1])
		digits++;
	n = strlen(digits);
	if (n < 32)
		strbuf_addchars(&out, '0', 32 - n);
	for (i = 0; i < n; i++)
		strbuf_addch(&out, digits[i] >= 'A' && digits[i] <= 'F' ? digits[i] - 'A' + 'a' : digits[i]);
	OPENSSL_free(hex);
	BN_free(bn);
	return strbuf_detach(&out, NULL);
}

/* The host of the first spiffe:// URI SAN, or NULL. */
static char *spiffe_trust_domain(X509 *x)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	char *td = NULL;
	int i;

	for (i = 0; names && !td && i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		const char *uri, *host, *slash;
		if (gn->type != GEN_URI)
			continue;
		uri = (const char *)ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier);
		if (!skip_prefix(uri, "spiffe://", &host))
			continue;
		slash = strchr(host, '/');
		td = slash ? xstrndup(host, (size_t)(slash - host)) : xstrdup(host);
	}
	GENERAL_NAMES_free(names);
	return td;
}

static int is_ca(X509 *x)
{
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
	int ca = bc && bc->ca;
	BASIC_CONSTRAINTS_free(bc);
	return ca;
}

/* The first PEM block (of any type, as Go's pem.Decode), parsed as a certificate. */
static X509 *first_certificate(const struct strbuf *pem)
{
	BIO *bio = BIO_new_mem_buf(pem->buf, (int)pem->len);
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long len = 0;
	X509 *x = NULL;

	if (bio && PEM_read_bio(bio, &name, &header, &der, &len)) {
		const unsigned char *p = der;
		x = d2i_X509(NULL, &p, len);
	}
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(bio);
	return x;
}

static void describe_certificate(struct secret_item *it, const struct strbuf *pem,
				 const struct timespec *now)
{
	X509 *x = pem->len ? first_certificate(pem) : NULL;
	time_t not_before, not_after;

	if (!x) {
		it->type = "";
		it->serial = xstrdup("");
		it->not_after = xstrdup("");
		it->not_before = xstrdup("");
		return;
	}
	it->type = is_ca(x) ? "CA" : "Cert Chain";
	it->serial = format_serial(x);
	format_time(X509_get0_notAfter(x), &it->not_after, &not_after);
	format_time(X509_get0_notBefore(x), &it->not_before, &not_before);
	/* Go's now.After(NotBefore) && now.Before(NotAfter), with a clock finer than a second. */
	it->valid = (now->tv_sec > not_before || (now->tv_sec == not_before && now->tv_nsec > 0)) &&
		    now->tv_sec < not_after;
	if (!it->trust_domain)
		it->trust_domain = spiffe_trust_domain(x);
	X509_free(x);
}

/* inline_bytes of a DataSource: base64 in protobuf JSON. */
static void inline_bytes(struct strbuf *out, json_t *source)
{
	size_t bad;
	const char *b64 = pb_str(source, "inline_bytes");
	if (base64_decode(out, b64, strlen(b64), &bad))
		strbuf_reset(out);
}

static void add_item(struct secret_items *items, const char *name, const char *state,
		     const char *trust_domain, const struct strbuf *pem, const struct timespec *now)
{
	struct secret_item *it;
	ALLOC_GROW(items->v, items->nr + 1, items->alloc);
	it = &items->v[items->nr++];
	memset(it, 0, sizeof(*it));
	it->name = xstrdup(name);
	it->state = state;
	it->trust_domain = xstrdup_or_null(trust_domain);
	describe_certificate(it, pem, now);
}

static void add_secret(struct secret_items *items, json_t *dyn, const char *state,
		       const struct timespec *now)
{
	json_t *secret = pb_get(dyn, "secret");
	json_t *validator = pb_path(secret, "validation_context.custom_validator_config.typed_config");
	struct strbuf pem = STRBUF_INIT;

	inline_bytes(&pem, pb_path(secret, "tls_certificate.certificate_chain"));
	if (!pem.len)
		inline_bytes(&pem, pb_path(secret, "validation_context.trusted_ca"));
	if (!pem.len && ends_with(pb_str(validator, "@type"), ".SPIFFECertValidatorConfig")) {
		json_t *td;
		size_t i;
		json_array_foreach(pb_get(validator, "trust_domains"), i, td) {
			strbuf_reset(&pem);
			inline_bytes(&pem, pb_get(td, "trust_bundle"));
			add_item(items, pb_str(secret, "name"), state, pb_str(td, "name"), &pem, now);
		}
	} else {
		add_item(items, pb_str(dyn, "name"), state, NULL, &pem, now);
	}
	strbuf_release(&pem);
}

static void print_items(const struct config_view *v, struct secret_items *items, struct strbuf *out)
{
	struct tabwriter *tw;
	int with_td = 1;
	size_t i;

	if (!items->nr) {
		strbuf_addstr(out, "No secret items to show.\n");
		return;
	}
	for (i = 0; i < items->nr; i++)
		with_td &= items->v[i].trust_domain != NULL;
	tw = tabwriter_new(0, 5);
	tabwriter_printf(tw, "RESOURCE NAME\tTYPE\tSTATUS\tVALID CERT\tSERIAL NUMBER\tNOT AFTER\tNOT BEFORE%s\n",
			 with_td ? "\tTRUST DOMAIN" : "");
	for (i = 0; i < items->nr; i++) {
		const struct secret_item *it = &items->v[i];
		tabwriter_printf(tw, "%s%s\t%s\t%s\t%s\t%s\t%s\t%s", v->with_type ? "secret/" : "",
				 it->name, it->type, it->state, it->valid ? "true" : "false",
				 it->serial, it->not_after, it->not_before);
		if (with_td)
			tabwriter_printf(tw, "\t%s", it->trust_domain);
		tabwriter_puts(tw, "\n");
	}
	tabwriter_flush(tw, out);
	tabwriter_free(tw);
}

static void release_items(struct secret_items *items)
{
	size_t i;
	for (i = 0; i < items->nr; i++) {
		free(items->v[i].name);
		free(items->v[i].trust_domain);
		free(items->v[i].serial);
		free(items->v[i].not_after);
		free(items->v[i].not_before);
	}
	free(items->v);
}

int config_secrets(const struct config_view *v, struct strbuf *out, struct strbuf *err)
{
	struct secret_items items = { NULL, 0, 0 };
	json_t *dump = config_dump_section_json(v->dump, DUMP_TYPE("SecretsConfigDump"), err);
	json_t *s, *warming, *active;
	size_t i;

	if (!dump)
		return -1;
	if (v->format != CONFIG_TABLE) {
		json_t *msg = pbjson_message(dump, 1);
		config_print_jsonpb(v, msg, out);
		json_decref(msg);
		json_decref(dump);
		return 0;
	}
	warming = pb_get(dump, "dynamic_warming_secrets");
	active = pb_get(dump, "dynamic_active_secrets");
	if (!json_array_size(warming) && !json_array_size(active)) {
		strbuf_addstr(out, "No active or warming secrets found.\n");
		json_decref(dump);
		return 0;
	}
	/*
	 * istioctl tries to show an "uninitialized" active secret as
	 * UNINITIALIZED but edits a copy: it stays ACTIVE.
	 */
	json_array_foreach(warming, i, s)
		add_secret(&items, s, "WARMING", &v->now);
	json_array_foreach(active, i, s)
		add_secret(&items, s, "ACTIVE", &v->now);
	print_items(v, &items, out);
	release_items(&items);
	json_decref(dump);
	return 0;
}
