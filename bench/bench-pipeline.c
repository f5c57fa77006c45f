/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* bench-pipeline: how long the agent takes to go from the controller's
 * document to the desired flows of one host, and how much memory it needs.
 *
 *   bench-pipeline N_PORTS [PORTS_PER_SUBNET [N_HOSTS]]
 *
 * Synthesizes a document of N_PORTS VM ports, PORTS_PER_SUBNET (default
 * 20) per subnet, port i on host i mod N_HOSTS (default 50), each subnet
 * behind two of four virtual routers; then times, for host 0: parsing the
 * document (model_parse), building the host view and pipeline_compute(),
 * and prints one line of figures including the peak RSS of the process. */

#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "desired.h"
#include "host-view.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "pipeline.h"
#include "pipeline-state.h"
#include "svec.h"
#include "util.h"

/* Returns the time of a monotonic clock in seconds. */
static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Tunnel IP of host 'h' (10.1.h/256.h%256 + 1). */
static void
put_host_ip(struct ds *s, int h)
{
    ds_put_format(s, "10.1.%d.%d", (h + 1) / 256, (h + 1) % 256);
}

/* Appends one port object to 's'. */
static void
put_port(struct ds *s, const char *id, int subnet, int host_octet, int type,
         uint32_t mac, int host)
{
    ds_put_format(s, "{\"id\":\"%s\",\"version\":1,"
                  "\"fixedip\":\"10.%d.%d.%d\",\"deviceId\":\"%s\","
                  "\"mac\":\"fa:16:%02x:%02x:%02x:%02x\",\"host\":\"",
                  id, 100 + subnet / 256, subnet % 256, host_octet,
                  type ? "" : id, (mac >> 24) & 0xff, (mac >> 16) & 0xff,
                  (mac >> 8) & 0xff, mac & 0xff);
    if (host >= 0) {
        put_host_ip(s, host);
    }
    ds_put_format(s, "\",\"type\":%d,\"rate\":%d,\"burst\":%d,"
                  "\"securitygroupIds\":null}", type, type ? 0 : 10,
                  type ? 0 : 1);
}

/* Appends the synthesized document to 's'. */
static void
synthesize(struct ds *s, int n_ports, int per_subnet, int n_hosts)
{
    int n_subnets = DIV_ROUND_UP(n_ports, per_subnet);
    ds_put_cstr(s, "{\"code\":0,\"message\":\"\",\"Result\":{\"subnets\":[");
    for (int sn = 0; sn < n_subnets; sn++) {
        ds_put_format(s, "%s{\"id\":\"subnet-%d\",\"version\":1,"
                      "\"vpcId\":\"vpc\",\"tenantId\":\"t\","
                      "\"metadata\":%d,\"vni\":%d,\"mtu\":1500,"
                      "\"network\":\"10.%d.%d.0/24\",\"dns\":null,"
                      "\"routers\":[\"10.2.0.%d\",\"10.2.0.%d\"],"
                      "\"ports\":[", sn ? "," : "", sn, sn + 1, sn + 1,
                      100 + sn / 256, sn % 256, 1 + sn % 4,
                      1 + (sn + 1) % 4);
        for (int k = 0; k < per_subnet; k++) {
            int i = sn * per_subnet + k;
            if (i >= n_ports) {
                break;
            }
            char *id = xasprintf("port-%d", i);
            if (k) {
                ds_put_char(s, ',');
            }
            put_port(s, id, sn, 10 + k, 0, 0x3e000000u + i, i % n_hosts);
            free(id);
        }
        ds_put_cstr(s, "],\"dhcpPort\":");
        char *id = xasprintf("dhcp-%d", sn);
        put_port(s, id, sn, 2, 2, 0x3f000000u + sn, -1);
        free(id);
        ds_put_cstr(s, ",\"gatewayPorts\":[");
        id = xasprintf("gw-%d", sn);
        put_port(s, id, sn, 1, 1, 0x3f800000u + sn, -1);
        free(id);
        ds_put_cstr(s, "],\"securitygroups\":[]}");
    }
    ds_put_cstr(s, "]}}");
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc < 2) {
        ovs_fatal(0, "usage: %s N_PORTS [PORTS_PER_SUBNET [N_HOSTS]]",
                  argv[0]);
    }
    int n_ports = atoi(argv[1]);
    int per_subnet = argc > 2 ? atoi(argv[2]) : 20;
    int n_hosts = argc > 3 ? atoi(argv[3]) : 50;

    struct ds doc = DS_EMPTY_INITIALIZER;
    synthesize(&doc, n_ports, per_subnet, n_hosts);

    double t0 = now();
    struct model *model;
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    char *error = model_parse(ds_cstr(&doc), NULL, &model, &errors);
    if (error || errors.n) {
        ovs_fatal(0, "synthesized document rejected: %s",
                  error ? error : errors.names[0]);
    }
    double t1 = now();

    struct ds ip = DS_EMPTY_INITIALIZER;
    put_host_ip(&ip, 0);
    ovs_be32 local_ip;
    ovs_assert(ip_parse(ds_cstr(&ip), &local_ip));
    struct host_view hv;
    host_view_build(model, local_ip, &hv);
    double t2 = now();

    /* Facts: every local port and every tunnel has an ofport, and every
     * object its ids. */
    struct pipeline_facts facts;
    pipeline_facts_init(&facts);
    for (size_t i = 0; i < hv.n_local_ports; i++) {
        simap_put(&facts.port_ofports, hv.local_ports[i].port->id, 100 + i);
    }
    for (size_t i = 0; i < hv.n_endpoints; i++) {
        char name[INET_ADDRSTRLEN];
        snprintf(name, sizeof name, IP_FMT, IP_ARGS(hv.endpoints[i]));
        simap_put(&facts.tunnel_ofports, name, 10 + i);
    }
    /* Zones, meters and groups as the agent gives them on a fresh
     * bridge. */
    pipeline_facts_assign_ids(&facts, &hv);
    facts.metadata_ofport = 1;
    ovs_assert(eth_addr_from_string("fa:16:3e:25:fd:7e",
                                    &facts.metadata_mac));

    double t3 = now();
    struct desired_table table;
    desired_table_init(&table);
    struct svec warnings = SVEC_EMPTY_INITIALIZER;
    pipeline_compute(model, &hv, &facts, &table, &warnings);
    double t4 = now();

    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("ports=%d subnets=%d hosts=%d local_ports=%"PRIuSIZE
           " local_subnets=%"PRIuSIZE" flows=%"PRIuSIZE" groups=%"PRIuSIZE
           " meters=%"PRIuSIZE" warnings=%"PRIuSIZE" doc_bytes=%"PRIuSIZE
           " parse_s=%.3f host_view_s=%.3f pipeline_s=%.3f"
           " peak_rss_mb=%.1f\n",
           n_ports, DIV_ROUND_UP(n_ports, per_subnet), n_hosts,
           hv.n_local_ports, hv.n_subnets, hmap_count(&table.flows),
           hmap_count(&table.groups), hmap_count(&table.meters),
           warnings.n, doc.length, t1 - t0, t2 - t1, t4 - t3,
           usage.ru_maxrss / 1024.0);

    svec_destroy(&warnings);
    svec_destroy(&errors);
    desired_table_destroy(&table);
    pipeline_facts_destroy(&facts);
    host_view_destroy(&hv);
    model_unref(model);
    ds_destroy(&ip);
    ds_destroy(&doc);
    return 0;
}
