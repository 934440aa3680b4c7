#!/usr/bin/env bats
# make install places binaries, completion helpers, shell completions and
# man pages; make uninstall removes exactly those.

load test_helper/common

setup() {
	_common_setup
}

@test "make install and make uninstall mirror each other under DESTDIR" {
	d="$BATS_TEST_TMPDIR/root"
	run -0 make -s -C "$MESH_ROOT" BUILD="$MESH_BUILD" install DESTDIR="$d" PREFIX=/usr
	run -0 sh -c "cd '$d' && find . -type f -o -type l | sort"
	assert_output - <<-'OUT'
	./usr/bin/kubectl-mesh_authz
	./usr/bin/kubectl-mesh_proxy
	./usr/bin/kubectl-mesh_tls
	./usr/bin/kubectl_complete-mesh-authz
	./usr/bin/kubectl_complete-mesh-proxy
	./usr/bin/kubectl_complete-mesh-tls
	./usr/bin/kubectl_complete-mesh_authz
	./usr/bin/kubectl_complete-mesh_proxy
	./usr/bin/kubectl_complete-mesh_tls
	./usr/share/bash-completion/completions/kubectl-mesh_authz
	./usr/share/bash-completion/completions/kubectl-mesh_proxy
	./usr/share/bash-completion/completions/kubectl-mesh_tls
	./usr/share/man/man1/kubectl-mesh-authz.1
	./usr/share/man/man1/kubectl-mesh-proxy.1
	./usr/share/man/man1/kubectl-mesh-tls.1
	./usr/share/zsh/site-functions/_kubectl-mesh
	OUT
	run -0 "$d/usr/bin/kubectl-mesh_tls" version --client
	run -0 make -s -C "$MESH_ROOT" BUILD="$MESH_BUILD" uninstall DESTDIR="$d" PREFIX=/usr
	run -0 sh -c "cd '$d' && find . -type f -o -type l"
	assert_output ""
}

@test "the bash completion script completes a binary called directly" {
	run -0 bash -c "
		source '$MESH_ROOT/completions/kubectl-mesh.bash'
		COMP_WORDS=(kubectl-mesh_tls vers); COMP_CWORD=1
		_kubectl_mesh_complete
		printf '%s\n' \"\${COMPREPLY[@]}\""
	assert_output "version"
}
