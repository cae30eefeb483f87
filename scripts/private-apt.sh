# SPDX-License-Identifier: GPL-2.0
#
# A private apt configuration, sourced by scripts/setup.sh and
# scripts/zfs-fixture.sh: packages from another suite or component (trixie,
# contrib) are downloaded and unpacked with dpkg -x under $CACHE, never
# installed, and nothing reaches /etc/apt.  Needs $CACHE.

# private_apt NAME SUITE: sets APT to an apt-get command line for SUITE's
# main and contrib only, with its lists and cache in $CACHE/apt-NAME, and
# updates those lists.
private_apt() {
	local d="$CACHE/apt-$1"
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/etc/preferences.d"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $2 main contrib" \
		>"$d/etc/sources.list"
	APT=(apt-get
		-o "Dir::Etc::SourceList=$d/etc/sources.list"
		-o "Dir::Etc::SourceParts=/dev/null"
		-o "Dir::Etc::PreferencesParts=$d/etc/preferences.d"
		-o "Dir::State::Lists=$d/lists"
		-o "Dir::Cache=$d/cache"
		-o "APT::Get::List-Cleanup=0"
		-o "APT::Sandbox::User=root")
	"${APT[@]}" update -qq
}
