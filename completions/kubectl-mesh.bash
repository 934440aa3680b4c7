# SPDX-License-Identifier: Apache-2.0
# bash completion for calling kubectl-mesh_tls, kubectl-mesh_authz and
# kubectl-mesh_proxy directly.  (Through kubectl, kubectl's own completion
# runs the kubectl_complete-* helpers instead.)  The candidates come from
# each binary's hidden __complete command, in cobra's protocol.

_kubectl_mesh_complete() {
	local cur out directive line
	local -a words cands=()
	cur=${COMP_WORDS[COMP_CWORD]}
	words=("${COMP_WORDS[@]:1:COMP_CWORD-1}")
	out=$("${COMP_WORDS[0]}" __completeNoDesc "${words[@]}" "$cur" 2>/dev/null) || return 0
	directive=${out##*:}
	while IFS= read -r line; do
		case $line in
		:* | '') ;;
		*) cands+=("$line") ;;
		esac
	done <<<"$out"
	if [ ${#cands[@]} -eq 0 ]; then
		# Directive 4 (no file completion) keeps the shell from offering files.
		((directive & 4)) && return 0
		compopt -o default 2>/dev/null
		COMPREPLY=()
		return 0
	fi
	((directive & 2)) && compopt -o nospace 2>/dev/null
	COMPREPLY=("${cands[@]}")
}

complete -F _kubectl_mesh_complete kubectl-mesh_tls kubectl-mesh_authz kubectl-mesh_proxy
