# lib/: pure logic (no sockets, no clock), linked by the agent and the tests.
noinst_LIBRARIES += lib/libjstack.a
lib_libjstack_a_SOURCES = \
	lib/desired.c \
	lib/desired.h \
	lib/dhcp.c \
	lib/dhcp.h \
	lib/pipeline.c \
	lib/pipeline.h \
	lib/pipeline-ctx.c \
	lib/pipeline-ctx.h \
	lib/pipeline-stages.h \
	lib/pipeline-arp.c \
	lib/pipeline-classify.c \
	lib/pipeline-dispatch.c \
	lib/pipeline-groups.c \
	lib/pipeline-l2.c \
	lib/pipeline-l3.c \
	lib/pipeline-meters.c \
	lib/pipeline-output.c \
	lib/pipeline-port-security.c \
	lib/pipeline-provider.c \
	lib/pipeline-punt.c \
	lib/pipeline-secgroup.c \
	lib/host-view.c \
	lib/host-snapshot.c \
	lib/host-snapshot.h \
	lib/flow-explain.c \
	lib/flow-explain.h \
	lib/host-state.c \
	lib/host-state.h \
	lib/ids.c \
	lib/removal-guard.c \
	lib/removal-guard.h \
	lib/ids.h \
	lib/json-reader.c \
	lib/json-reader.h \
	lib/metadata.c \
	lib/metadata.h \
	lib/host-view.h \
	lib/model.c \
	lib/model.h \
	lib/settings.c \
	lib/settings.h \
	lib/vr-liveness.c \
	lib/vr-liveness.h \
	lib/vr-probe.c \
	lib/vr-probe.h
