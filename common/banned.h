/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Functions that invite overflows or shell injection.  Using one is a
 * compile error; use strbuf, xasprintf or execve instead.
 */
#ifndef MESH_BANNED_H
#define MESH_BANNED_H

#define BANNED(func) sorry_##func##_is_banned_in_kubectl_mesh

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gets
#define gets(x) BANNED(gets)
#undef system
#define system(x) BANNED(system)
#undef popen
#define popen(x, y) BANNED(popen)

#endif
