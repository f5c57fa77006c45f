/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_SETTINGS_H
#define JSTACK_SETTINGS_H 1

/* The agent's settings (DESIGN.md section 3): read from the local OVSDB
 * Open_vSwitch row's external_ids, each overridable on the command line.
 *
 * settings_resolve() is pure: the caller supplies both sources as smaps. */

#include <stdbool.h>
#include "openvswitch/types.h"

struct smap;
struct svec;

/* One entry of jstack-bridge-mappings: a physical network and the provider
 * bridge that reaches it. */
struct settings_bridge_mapping {
    char *physnet;              /* Owned: the physical network's name. */
    char *bridge;               /* Owned: its provider bridge's name. */
};

/* Resolved settings.  Every string is owned by the struct. */
struct settings {
    char *controller;           /* jstack-controller: desired-state URL. */
    char *encap_ip;             /* jstack-encap-ip, dotted quad. */
    ovs_be32 encap_ip_be;       /* The same, parsed. */
    char *bridge;               /* jstack-bridge: integration bridge. */
    char *bridge_mappings;      /* jstack-bridge-mappings, "" if none. */
    struct settings_bridge_mapping *mappings;   /* Owned array: the same,
                                                 * parsed, in order; empty
                                                 * if it is invalid. */
    size_t n_mappings;          /* Entries of 'mappings'. */
    char *metadata_url;         /* jstack-metadata-url, "" if none. */
    char *metadata_secret;      /* jstack-metadata-secret, "" if none. */
    char *metadata_secret_file; /* jstack-metadata-secret-file: a file
                                 * holding the secret (preferred over
                                 * 'metadata_secret'), "" if none. */
    unsigned int metadata_port; /* jstack-metadata-port, default 8848. */
    unsigned int metadata_timeout;      /* jstack-metadata-timeout: ms an
                                         * upstream request may take. */
    unsigned int metadata_rate; /* jstack-metadata-rate: requests per
                                 * second and VM. */
    unsigned int metadata_burst;        /* jstack-metadata-burst: requests
                                         * a VM may make at once. */
    unsigned int poll_interval; /* jstack-poll-interval, milliseconds. */
    unsigned int max_removal;   /* jstack-max-removal: the share of this
                                 * host's ports, in percent, that one
                                 * document may remove without being held;
                                 * 0 disables the guard. */
    unsigned int removal_confirm;       /* jstack-removal-confirm: seconds a
                                         * held document must stay the same
                                         * before it is applied. */
    unsigned int max_document_size;     /* jstack-max-document-size: the
                                         * largest controller document
                                         * accepted, in bytes. */
    unsigned int controller_timeout;    /* jstack-controller-timeout: ms a
                                         * controller request may take. */
    char *controller_ca_file;   /* jstack-controller-ca-file: CA bundle that
                                 * verifies the controller, "" for the
                                 * system's. */
    char *controller_cert;      /* jstack-controller-cert: client
                                 * certificate (PEM), "" if none. */
    char *controller_key;       /* jstack-controller-key: its private key
                                 * (PEM), "" to use 'controller_cert'. */
    char *dhcp_dns;             /* jstack-dhcp-dns as given, "" if none. */
    ovs_be32 *dhcp_dns_servers; /* Owned: the same, parsed, in order. */
    size_t n_dhcp_dns_servers;  /* Entries of 'dhcp_dns_servers'. */
    char *dhcp_domain;          /* jstack-dhcp-domain, "" if none. */
    unsigned int dhcp_lease_time;       /* jstack-dhcp-lease-time, s. */
    unsigned int dhcp_rate;     /* jstack-dhcp-rate: DHCP packets punted per
                                 * second and port. */
    unsigned int vr_probe_interval;     /* jstack-vr-probe-interval: ms
                                         * between two probes of a virtual
                                         * router. */
    unsigned int vr_probe_misses;       /* jstack-vr-probe-misses: probes
                                         * in a row without a reply that
                                         * make a router down. */
    unsigned int vr_probe_recover;      /* jstack-vr-probe-recover: replies
                                         * in a row that make a down router
                                         * up. */
};

/* One known setting: its external_ids key, command-line option, whether it
 * is required, its default and a hint of its value for messages. */
struct settings_key {
    const char *key;            /* "jstack-encap-ip". */
    const char *option;         /* "encap-ip" (as --encap-ip=VALUE). */
    bool required;              /* No default: the agent waits for it. */
    const char *default_value;  /* NULL when required. */
    const char *example;        /* A value that shows the syntax. */
};

const struct settings_key *settings_keys(size_t *n);

bool settings_resolve(const struct smap *external_ids,
                      const struct smap *overrides,
                      struct settings *, struct svec *problems);
void settings_destroy(struct settings *);
bool settings_equal(const struct settings *, const struct settings *);
char *settings_redact_url(const char *url);
bool settings_url_is_insecure(const char *url);

#endif /* lib/settings.h */
