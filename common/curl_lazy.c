/* SPDX-License-Identifier: Apache-2.0 */
/* Forward the curl_* functions the library uses to libcurl.so.4, opened on first use. */
#define CURL_DISABLE_TYPECHECK 1
#include "curl_lazy.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <string.h>

#ifdef __APPLE__
#define CURL_SONAME "libcurl.4.dylib"
#else
#define CURL_SONAME "libcurl.so.4"
#endif

/* X(name, return type, parameter list) for every non-variadic function. */
#define CURL_FUNCS(X)                                                                     \
	X(curl_global_init, CURLcode, (long flags))                                       \
	X(curl_easy_init, CURL *, (void))                                                 \
	X(curl_easy_cleanup, void, (CURL *h))                                             \
	X(curl_easy_perform, CURLcode, (CURL *h))                                         \
	X(curl_easy_strerror, const char *, (CURLcode c))                                 \
	X(curl_easy_send, CURLcode, (CURL *h, const void *buf, size_t len, size_t *n))   \
	X(curl_easy_recv, CURLcode, (CURL *h, void *buf, size_t len, size_t *n))         \
	X(curl_easy_header, CURLHcode,                                                    \
	  (CURL *h, const char *name, size_t index, unsigned int origin, int request,     \
	   struct curl_header **hout))                                                    \
	X(curl_easy_nextheader, struct curl_header *,                                     \
	  (CURL *h, unsigned int origin, int request, struct curl_header *prev))          \
	X(curl_free, void, (void *p))                                                     \
	X(curl_multi_init, CURLM *, (void))                                               \
	X(curl_multi_cleanup, CURLMcode, (CURLM *m))                                      \
	X(curl_multi_add_handle, CURLMcode, (CURLM *m, CURL *h))                          \
	X(curl_multi_remove_handle, CURLMcode, (CURLM *m, CURL *h))                       \
	X(curl_multi_perform, CURLMcode, (CURLM *m, int *running))                        \
	X(curl_multi_poll, CURLMcode,                                                     \
	  (CURLM *m, struct curl_waitfd extra[], unsigned int n, int timeout_ms, int *ret)) \
	X(curl_multi_info_read, CURLMsg *, (CURLM *m, int *left))                         \
	X(curl_share_init, CURLSH *, (void))                                              \
	X(curl_share_cleanup, CURLSHcode, (CURLSH *s))                                    \
	X(curl_slist_append, struct curl_slist *, (struct curl_slist *l, const char *s))  \
	X(curl_slist_free_all, void, (struct curl_slist *l))                              \
	X(curl_url, CURLU *, (void))                                                      \
	X(curl_url_cleanup, void, (CURLU *u))                                             \
	X(curl_url_get, CURLUcode, (CURLU *u, CURLUPart what, char **part, unsigned int flags)) \
	X(curl_url_set, CURLUcode, (CURLU *u, CURLUPart what, const char *part, unsigned int flags))

/* The variadic ones, reached through their fixed-argument forms below. */
typedef CURLcode (*easy_setopt_fn)(CURL *, CURLoption, ...);
typedef CURLcode (*easy_getinfo_fn)(CURL *, CURLINFO, ...);
typedef CURLMcode (*multi_setopt_fn)(CURLM *, CURLMoption, ...);
typedef CURLSHcode (*share_setopt_fn)(CURLSH *, CURLSHoption, ...);

#define DECLARE_PTR(name, ret, params) static ret(*p_##name) params;
CURL_FUNCS(DECLARE_PTR)
static easy_setopt_fn p_curl_easy_setopt;
static easy_getinfo_fn p_curl_easy_getinfo;
static multi_setopt_fn p_curl_multi_setopt;
static share_setopt_fn p_curl_share_setopt;

static void *lib;
static int tried;
static char load_error[512];

/* dlsym returns an object pointer; copy it into a function pointer portably. */
static int resolve(void *dst, size_t size, const char *name)
{
	void *sym = dlsym(lib, name);
	if (!sym) {
		snprintf(load_error, sizeof(load_error), "%s lacks %s", CURL_SONAME, name);
		return -1;
	}
	memcpy(dst, &sym, size);
	return 0;
}

static int load(void)
{
	if (tried)
		return lib ? 0 : -1;
	tried = 1;
	lib = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(load_error, sizeof(load_error), "%s", dlerror());
		return -1;
	}
#define RESOLVE(name, ret, params)                                   \
	if (resolve(&p_##name, sizeof(p_##name), #name))             \
		goto fail;
	CURL_FUNCS(RESOLVE)
	if (resolve(&p_curl_easy_setopt, sizeof(p_curl_easy_setopt), "curl_easy_setopt") ||
	    resolve(&p_curl_easy_getinfo, sizeof(p_curl_easy_getinfo), "curl_easy_getinfo") ||
	    resolve(&p_curl_multi_setopt, sizeof(p_curl_multi_setopt), "curl_multi_setopt") ||
	    resolve(&p_curl_share_setopt, sizeof(p_curl_share_setopt), "curl_share_setopt"))
		goto fail;
	return 0;
fail:
	dlclose(lib);
	lib = NULL;
	return -1;
}

int curl_lazy_load(struct strbuf *err)
{
	if (!load())
		return 0;
	strbuf_addf(err, "cannot load libcurl (install the libcurl4 package): %s", load_error);
	return -1;
}

CURLcode curl_global_init(long flags)
{
	return load() ? CURLE_FAILED_INIT : p_curl_global_init(flags);
}

CURL *curl_easy_init(void)
{
	return load() ? NULL : p_curl_easy_init();
}

void curl_easy_cleanup(CURL *h)
{
	if (lib)
		p_curl_easy_cleanup(h);
}

CURLcode curl_easy_perform(CURL *h)
{
	return load() ? CURLE_FAILED_INIT : p_curl_easy_perform(h);
}

const char *curl_easy_strerror(CURLcode c)
{
	return load() ? load_error : p_curl_easy_strerror(c);
}

CURLcode curl_easy_send(CURL *h, const void *buf, size_t len, size_t *n)
{
	return load() ? CURLE_FAILED_INIT : p_curl_easy_send(h, buf, len, n);
}

CURLcode curl_easy_recv(CURL *h, void *buf, size_t len, size_t *n)
{
	return load() ? CURLE_FAILED_INIT : p_curl_easy_recv(h, buf, len, n);
}

CURLHcode curl_easy_header(CURL *h, const char *name, size_t index, unsigned int origin,
			   int request, struct curl_header **hout)
{
	return load() ? CURLHE_NOT_BUILT_IN :
			p_curl_easy_header(h, name, index, origin, request, hout);
}

struct curl_header *curl_easy_nextheader(CURL *h, unsigned int origin, int request,
					 struct curl_header *prev)
{
	return load() ? NULL : p_curl_easy_nextheader(h, origin, request, prev);
}

void curl_free(void *p)
{
	if (lib)
		p_curl_free(p);
}

CURLM *curl_multi_init(void)
{
	return load() ? NULL : p_curl_multi_init();
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
	return load() ? CURLM_BAD_HANDLE : p_curl_multi_cleanup(m);
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *h)
{
	return load() ? CURLM_BAD_HANDLE : p_curl_multi_add_handle(m, h);
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h)
{
	return load() ? CURLM_BAD_HANDLE : p_curl_multi_remove_handle(m, h);
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
	return load() ? CURLM_BAD_HANDLE : p_curl_multi_perform(m, running);
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned int n,
			  int timeout_ms, int *ret)
{
	return load() ? CURLM_BAD_HANDLE : p_curl_multi_poll(m, extra, n, timeout_ms, ret);
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
	return load() ? NULL : p_curl_multi_info_read(m, left);
}

CURLSH *curl_share_init(void)
{
	return load() ? NULL : p_curl_share_init();
}

CURLSHcode curl_share_cleanup(CURLSH *s)
{
	return load() ? CURLSHE_BAD_OPTION : p_curl_share_cleanup(s);
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
	return load() ? NULL : p_curl_slist_append(l, s);
}

void curl_slist_free_all(struct curl_slist *l)
{
	if (lib)
		p_curl_slist_free_all(l);
}

CURLU *curl_url(void)
{
	return load() ? NULL : p_curl_url();
}

void curl_url_cleanup(CURLU *u)
{
	if (lib)
		p_curl_url_cleanup(u);
}

CURLUcode curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
	return load() ? CURLUE_OUT_OF_MEMORY : p_curl_url_get(u, what, part, flags);
}

CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	return load() ? CURLUE_OUT_OF_MEMORY : p_curl_url_set(u, what, part, flags);
}

/*
 * libcurl's option numbers encode the argument's type in their range
 * (CURLOPTTYPE_*); read the one argument with that type and pass it on.
 */
CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	va_list ap;
	CURLcode r;

	if (load())
		return CURLE_FAILED_INIT;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = p_curl_easy_setopt(h, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		r = p_curl_easy_setopt(h, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		r = p_curl_easy_setopt(h, opt, va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		r = p_curl_easy_setopt(h, opt, va_arg(ap, curl_off_t));
	else
		r = p_curl_easy_setopt(h, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	CURLcode r;

	if (load())
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	r = p_curl_easy_getinfo(h, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
	va_list ap;
	CURLMcode r;

	if (load())
		return CURLM_BAD_HANDLE;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = p_curl_multi_setopt(m, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		r = p_curl_multi_setopt(m, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		r = p_curl_multi_setopt(m, opt, va_arg(ap, void (*)(void)));
	else
		r = p_curl_multi_setopt(m, opt, va_arg(ap, curl_off_t));
	va_end(ap);
	return r;
}

/* CURLSHOPT_SHARE/UNSHARE take a curl_lock_data (an int), the rest pointers. */
CURLSHcode curl_share_setopt(CURLSH *s, CURLSHoption opt, ...)
{
	va_list ap;
	CURLSHcode r;

	if (load())
		return CURLSHE_BAD_OPTION;
	va_start(ap, opt);
	if (opt == CURLSHOPT_SHARE || opt == CURLSHOPT_UNSHARE)
		r = p_curl_share_setopt(s, opt, va_arg(ap, int));
	else if (opt == CURLSHOPT_LOCKFUNC || opt == CURLSHOPT_UNLOCKFUNC)
		r = p_curl_share_setopt(s, opt, va_arg(ap, void (*)(void)));
	else
		r = p_curl_share_setopt(s, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}
