# lib/: pure logic (no sockets, no clock), linked by the agent and the tests.
noinst_LIBRARIES += lib/libjstack.a
lib_libjstack_a_SOURCES = \
	lib/settings.c \
	lib/settings.h
