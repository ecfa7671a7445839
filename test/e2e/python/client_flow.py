"""Drives a Skiff server with the official Python client (Debian python3-kubernetes).

Usage: client_flow.py KUBECONFIG NAMESPACE

Prints one JSON line {"phase": "watching", ...} when its configmap watch is open (the caller then makes
changes), and a final JSON line with everything it observed.
"""

import json
import sys

from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException
from kubernetes.dynamic.exceptions import DynamicApiError


def meta(name, labels=None):
    return client.V1ObjectMeta(name=name, labels=labels)


def pod(name, app):
    return client.V1Pod(
        metadata=meta(name, {"app": app}),
        spec=client.V1PodSpec(containers=[client.V1Container(name="main", image="busybox:1.36")]),
    )


def error_of(call):
    try:
        call()
    except ApiException as e:
        body = json.loads(e.body) if e.body else {}
        return {"status": e.status, "kind": body.get("kind"), "reason": body.get("reason")}
    return None


def main():
    kubeconfig, ns = sys.argv[1], sys.argv[2]
    config.load_kube_config(config_file=kubeconfig)
    core = client.CoreV1Api()
    apps = client.AppsV1Api()
    out = {}

    out["namespaces"] = sorted(n.metadata.name for n in core.list_namespace().items)
    core.create_namespace(client.V1Namespace(metadata=meta(ns, {"suite": "python"})))

    cm = core.create_namespaced_config_map(
        ns, client.V1ConfigMap(metadata=meta("settings", {"app": "py"}), data={"mode": "a"})
    )
    out["configmap"] = {
        "name": cm.metadata.name,
        "namespace": cm.metadata.namespace,
        "uid": cm.metadata.uid,
        "resourceVersion": cm.metadata.resource_version,
        "data": cm.data,
    }

    body = client.V1Deployment(
        metadata=meta("web", {"app": "web"}),
        spec=client.V1DeploymentSpec(
            replicas=2,
            selector=client.V1LabelSelector(match_labels={"app": "web"}),
            template=client.V1PodTemplateSpec(
                metadata=meta(None, {"app": "web"}),
                spec=client.V1PodSpec(
                    containers=[
                        client.V1Container(name="web", image="nginx:1.25"),
                        client.V1Container(name="log", image="busybox:1.36"),
                    ]
                ),
            ),
        ),
    )
    dep = apps.create_namespaced_deployment(ns, body)
    out["deployment"] = {
        "generation": dep.metadata.generation,
        "replicas": dep.spec.replicas,
        "strategy": dep.spec.strategy.type,
        "revisionHistoryLimit": dep.spec.revision_history_limit,
    }

    for name, app in (("p1", "py"), ("p2", "other"), ("p3", "py")):
        core.create_namespaced_pod(ns, pod(name, app))
    out["pods"] = [p.metadata.name for p in core.list_namespaced_pod(ns, label_selector="app=py").items]
    out["podsSetBased"] = [p.metadata.name for p in core.list_namespaced_pod(ns, label_selector="app in (other)").items]

    # A dict body is sent as a strategic merge patch: containers merge by name.
    patched = apps.patch_namespaced_deployment(
        "web", ns, {"spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.26"}]}}}}
    )
    out["patchedDeployment"] = {
        "generation": patched.metadata.generation,
        "replicas": patched.spec.replicas,
        "containers": [[c.name, c.image] for c in patched.spec.template.spec.containers],
    }
    patched_cm = core.patch_namespaced_config_map("settings", ns, {"data": {"mode": "b", "extra": "1"}})
    out["patchedConfigMap"] = patched_cm.data
    json_patched = core.patch_namespaced_config_map("settings", ns, [{"op": "remove", "path": "/data/extra"}])
    out["jsonPatchedConfigMap"] = json_patched.data

    out["missing"] = error_of(lambda: core.read_namespaced_config_map("missing", ns))
    out["duplicate"] = error_of(lambda: core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=meta("settings"))))

    # Server-side apply through the dynamic client (legacy discovery); it sends force=True when forcing.
    dyn = dynamic.DynamicClient(client.ApiClient())
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")

    def applied(manager, value, force=None):
        # This client version sends apply bodies only when they are already serialized.
        body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {"k": value}})
        return cms.server_side_apply(
            body=body, name="applied", namespace=ns, field_manager=manager, force_conflicts=force
        )

    first = applied("py-a", "1")
    try:
        applied("py-b", "2")
        conflict = None
    except DynamicApiError as e:
        conflict = {"status": e.status, "reason": json.loads(e.body)["reason"]}
    forced = applied("py-b", "3", force=True)
    out["ssa"] = {
        "first": first.data.k,
        "conflict": conflict,
        "forced": forced.data.k,
        "managers": sorted(m.manager for m in forced.metadata.managedFields),
    }
    core.delete_namespaced_config_map("applied", ns)

    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    print(json.dumps({"phase": "watching", "resourceVersion": rv}), flush=True)
    w = watch.Watch()
    events = []
    for ev in w.stream(core.list_namespaced_config_map, namespace=ns, resource_version=rv, timeout_seconds=20):
        obj = ev["object"]
        events.append({"type": ev["type"], "name": obj.metadata.name, "data": obj.data})
        if ev["type"] == "DELETED" and obj.metadata.name == "py-last":
            w.stop()
    out["events"] = events

    core.delete_namespaced_config_map("settings", ns)
    out["afterDelete"] = sorted(c.metadata.name for c in core.list_namespaced_config_map(ns).items)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
