# agent/: the daemon's I/O modules, in a convenience library so that tests
# link them; main() alone is outside it.
noinst_LIBRARIES += agent/libjstack-agent.a
agent_libjstack_agent_a_SOURCES = \
	agent/agent.c \
	agent/agent.h \
	agent/cache-writer.c \
	agent/cache-writer.h \
	agent/compute.c \
	agent/compute.h \
	agent/dhcp-handler.c \
	agent/dhcp-handler.h \
	agent/document-guard.c \
	agent/document-guard.h \
	agent/host-publisher.c \
	agent/host-publisher.h \
	agent/http-client.c \
	agent/http-client.h \
	agent/ofctrl.c \
	agent/ofctrl.h \
	agent/plumbing.c \
	agent/plumbing.h \
	agent/metadata-server.c \
	agent/metadata-server.h \
	agent/metadata-tap.c \
	agent/metadata-tap.h \
	agent/localdb.c \
	agent/localdb.h \
	agent/notify.c \
	agent/notify.h \
	agent/source.c \
	agent/source.h \
	agent/vr-monitor.c \
	agent/vr-monitor.h
agent_libjstack_agent_a_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS) \
	$(MHD_CFLAGS) $(MNL_CFLAGS) $(SYSTEMD_CFLAGS)

AGENT_LIBS = agent/libjstack-agent.a lib/libjstack.a $(OVS_LIBS) \
	$(CURL_LIBS) $(MHD_LIBS) $(MNL_LIBS) $(SYSTEMD_LIBS)

sbin_PROGRAMS += agent/jstack-agent
agent_jstack_agent_SOURCES = agent/main.c
agent_jstack_agent_LDADD = $(AGENT_LIBS)
