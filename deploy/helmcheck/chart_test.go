package helmcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

const chart = "../helm/tapbot"

// The two custom resources the chart can render, with only the fields it
// sets: unknown fields still fail the strict decode.
type serviceMonitor struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   map[string]any `json:"metadata"`
	Spec       struct {
		Selector  map[string]any `json:"selector"`
		Endpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path"`
			Interval string `json:"interval"`
		} `json:"endpoints"`
	} `json:"spec"`
}

type secretProviderClass struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   map[string]any `json:"metadata"`
	Spec       struct {
		Provider   string            `json:"provider"`
		Parameters map[string]string `json:"parameters"`
	} `json:"spec"`
}

// newObject returns the typed object for an apiVersion and kind.
func newObject(apiVersion, kind string) (any, error) {
	switch apiVersion + "/" + kind {
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}, nil
	case "v1/Service":
		return &corev1.Service{}, nil
	case "v1/ServiceAccount":
		return &corev1.ServiceAccount{}, nil
	case "v1/PersistentVolumeClaim":
		return &corev1.PersistentVolumeClaim{}, nil
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}, nil
	case "networking.k8s.io/v1/Ingress":
		return &networkingv1.Ingress{}, nil
	case "networking.k8s.io/v1/NetworkPolicy":
		return &networkingv1.NetworkPolicy{}, nil
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, nil
	case "monitoring.coreos.com/v1/ServiceMonitor":
		return &serviceMonitor{}, nil
	case "secrets-store.csi.x-k8s.io/v1/SecretProviderClass":
		return &secretProviderClass{}, nil
	}
	return nil, fmt.Errorf("unexpected object %s %s", apiVersion, kind)
}

// helmBin finds helm: $TAPBOT_HELM, else the repository's .tmp/bin/helm
// (where .ci/run installs it). Without it the test skips, unless
// TAPBOT_REQUIRE_HELM=1 (CI) makes that a failure.
func helmBin(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("TAPBOT_HELM"), "../../.tmp/bin/helm"} {
		if p == "" {
			continue
		}
		if abs, err := filepath.Abs(p); err == nil {
			if _, err := os.Stat(abs); err == nil {
				return abs
			}
		}
	}
	if os.Getenv("TAPBOT_REQUIRE_HELM") == "1" {
		t.Fatal("helm not found (TAPBOT_HELM or .tmp/bin/helm) and TAPBOT_REQUIRE_HELM=1")
	}
	t.Skip("helm not found; set TAPBOT_HELM or run deploy/ci.sh")
	return ""
}

func render(t *testing.T, helm string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(helm, append([]string{"template", "tapbot", chart, "--namespace", "tapbot"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, stderr.String())
	}
	return out, nil
}

// decodeAll strictly decodes each YAML document into its API type.
func decodeAll(t *testing.T, rendered []byte) map[string]any {
	t.Helper()
	objs := map[string]any{}
	for _, doc := range strings.Split(string(rendered), "\n---") {
		js, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			t.Fatalf("YAML: %v\n%s", err, doc)
		}
		if string(js) == "null" {
			continue
		}
		var head struct{ APIVersion, Kind string }
		if err := json.Unmarshal(js, &head); err != nil {
			t.Fatal(err)
		}
		obj, err := newObject(head.APIVersion, head.Kind)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.DisallowUnknownFields()
		if err := dec.Decode(obj); err != nil {
			t.Fatalf("%s: strict decode: %v\n%s", head.Kind, err, doc)
		}
		objs[head.Kind] = obj
	}
	return objs
}

func TestExamplesRenderIntoStrictKubernetesObjects(t *testing.T) {
	helm := helmBin(t)
	examples, _ := filepath.Glob(filepath.Join(chart, "examples", "*.yaml"))
	if len(examples) < 2 {
		t.Fatalf("examples: %v", examples)
	}
	for _, ex := range examples {
		t.Run(filepath.Base(ex), func(t *testing.T) {
			out, err := render(t, helm, "-f", ex)
			if err != nil {
				t.Fatal(err)
			}
			objs := decodeAll(t, out)
			for _, kind := range []string{"ConfigMap", "Deployment", "Service", "ServiceAccount", "Ingress", "NetworkPolicy"} {
				if objs[kind] == nil {
					t.Errorf("no %s rendered", kind)
				}
			}
			d, _ := objs["Deployment"].(*appsv1.Deployment)
			if d != nil {
				checkHardened(t, d)
			}
			if ing, ok := objs["Ingress"].(*networkingv1.Ingress); ok {
				checkIngressPaths(t, ing)
			}
		})
	}
}

// checkHardened is what the brief promises operators about the pod.
func checkHardened(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	pod := d.Spec.Template.Spec
	if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot ||
		pod.SecurityContext.SeccompProfile == nil || pod.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext = %+v", pod.SecurityContext)
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("container securityContext = %+v", sc)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.LivenessProbe == nil {
		t.Errorf("probes: readiness %+v liveness %+v", c.ReadinessProbe, c.LivenessProbe)
	}
	for _, e := range c.Env {
		if e.Value != "" && !strings.HasPrefix(e.Value, "/secrets/") && strings.Contains(e.Name, "KEY") {
			t.Errorf("env %s carries a value, want a /secrets file", e.Name)
		}
	}
}

func checkIngressPaths(t *testing.T, ing *networkingv1.Ingress) {
	t.Helper()
	var paths []string
	for _, r := range ing.Spec.Rules {
		for _, p := range r.HTTP.Paths {
			paths = append(paths, p.Path)
		}
	}
	if strings.Join(paths, ",") != "/api/messages,/slack/events" {
		t.Errorf("ingress paths = %v, want only the two webhooks", paths)
	}
}

func TestWorkloadIdentityAndKeyVault(t *testing.T) {
	helm := helmBin(t)
	out, err := render(t, helm, "-f", filepath.Join(chart, "examples", "aks-postgres-teams.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs := decodeAll(t, out)
	d := objs["Deployment"].(*appsv1.Deployment)
	if d.Spec.Template.Labels["azure.workload.identity/use"] != "true" {
		t.Errorf("pod labels = %v", d.Spec.Template.Labels)
	}
	sa := objs["ServiceAccount"].(*corev1.ServiceAccount)
	if sa.Annotations["azure.workload.identity/client-id"] == "" {
		t.Errorf("service account annotations = %v", sa.Annotations)
	}
	if objs["SecretProviderClass"] == nil || objs["PodDisruptionBudget"] == nil || objs["ServiceMonitor"] == nil {
		t.Errorf("rendered kinds: %v", keys(objs))
	}
	if objs["PersistentVolumeClaim"] != nil {
		t.Error("PostgreSQL deployment rendered a PVC")
	}
	cm := objs["ConfigMap"].(*corev1.ConfigMap)
	if !strings.Contains(cm.Data["config.yaml"], "workload_identity: true") {
		t.Errorf("config.yaml does not turn on workload identity:\n%s", cm.Data["config.yaml"])
	}
}

func TestChartRefusesWhatCannotWork(t *testing.T) {
	helm := helmBin(t)
	ex := filepath.Join(chart, "examples", "sqlite-slack.yaml")
	for _, tc := range []struct {
		set  []string
		want string
	}{
		{[]string{"-f", ex, "--set", "replicaCount=2"}, "needs PostgreSQL"},
		{[]string{}, "secrets.existingSecret"},
		{[]string{"-f", ex, "--set", "ingress.host="}, "ingress.host is required"},
		{[]string{"-f", ex, "--set", "workloadIdentity.enabled=true"}, "workloadIdentity.clientId"},
	} {
		_, err := render(t, helm, tc.set...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("helm template %v: err = %v, want %q", tc.set, err, tc.want)
		}
	}
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
