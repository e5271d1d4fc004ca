// Validates `helm template` output against the Kubernetes OpenAPI schemas shipped in the npm package
// kubernetes-models (and prometheus-operator's for ServiceMonitor), offline: no cluster needed.
// Usage: node validate.mjs rendered.yaml...   Exits 1 listing every invalid or unknown object.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// apiVersion → module holding one class per kind.
const MODULES = {
  "v1": () => import("kubernetes-models/v1"),
  "apps/v1": () => import("kubernetes-models/apps/v1"),
  "policy/v1": () => import("kubernetes-models/policy/v1"),
  "autoscaling/v2": () => import("kubernetes-models/autoscaling/v2"),
  "networking.k8s.io/v1": () => import("kubernetes-models/networking.k8s.io/v1"),
  "monitoring.coreos.com/v1": () => import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1"),
};

const problems = [];
let checked = 0;
for (const file of process.argv.slice(2)) {
  const objects = parseAllDocuments(readFileSync(file, "utf8")).map((doc) => {
    if (doc.errors.length) problems.push(`${file}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
    return doc.toJS();
  }).filter((o) => o);
  const pods = objects.filter((o) => o.kind === "Deployment").map((d) => d.spec?.template?.metadata?.labels ?? {});
  const services = objects.filter((o) => o.kind === "Service").map((s) => s.metadata?.labels ?? {});
  for (const object of objects) {
    const name = `${file}: ${object.kind ?? "?"}/${object.metadata?.name ?? "?"}`;
    const load = MODULES[object.apiVersion];
    const Model = load && (await load())[object.kind];
    if (!Model) {
      problems.push(`${name}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
      checked++;
    } catch (e) {
      problems.push(`${name}: ${e.message}`);
    }
    // The API server accepts a selector that matches nothing; a Service or policy that selects no pod, or a
    // ServiceMonitor that selects no Service, is a bug.
    const selector = object.kind === "Service" ? object.spec?.selector
      : (object.spec?.selector ?? object.spec?.podSelector)?.matchLabels;
    const [targets, what] = object.kind === "ServiceMonitor" ? [services, "Service"] : [pods, "pod template"];
    if (selector && !targets.some((labels) => Object.entries(selector).every(([k, v]) => labels[k] === v))) {
      problems.push(`${name}: its selector matches no ${what}`);
    }
  }
}
problems.forEach((p) => console.error(p));
console.log(`${checked} objects valid, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
