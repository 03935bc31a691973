// glue-wf console: the Model Registry and endpoint pages. Loaded before console.js;
// uses its helpers (h, api, badge, facts, evaluationBox, ...) when called.
"use strict";

async function viewModels() {
  const { groups } = await api("/api/models");
  app.replaceChildren(h("h1", {}, "Model registry"), groups.length ? h("table", {},
    h("tr", {}, ["Group", "Versions", "Latest", "Approval", "Created"].map((x) => h("th", {}, x))),
    groups.map((g) => h("tr", {},
      h("td", {}, h("a", { href: `/models/${enc(g.name)}` }, g.name)), h("td", { class: "num" }, g.versions),
      h("td", { class: "num" }, g.latest_version || "—"), h("td", {}, badge(g.latest_approval)),
      h("td", {}, fmtTime(g.created_on)))))
    : h("p", { class: "muted" }, "No model package group yet: a run's register node creates one."));
}

async function viewModel() {
  const name = data.group;
  const g = await api(`/api/models/${enc(name)}`);
  const approve = async (v, status) => {
    try { await api(`/api/models/${enc(name)}/versions/${v.version}/approval`, { status, description: `${status} in the glue-wf console` }); toast(`Version ${v.version}: ${status}`); await viewModel(); }
    catch (e) { showError(e); }
  };
  app.replaceChildren(h("h1", {}, "Model group ", h("span", { class: "mono" }, g.name)),
    g.description ? h("p", {}, g.description) : "",
    h("table", { id: "versions" }, h("tr", {}, ["Version", "Approval", "Status", "Created", "Metrics", "Model", ""].map((x) => h("th", {}, x))),
      g.versions.map((v) => h("tr", { "data-version": v.version },
        h("td", { class: "num" }, h("a", { href: `/models/${enc(name)}/versions/${enc(v.version)}` }, v.version)),
        h("td", {}, badge(v.approval)), h("td", {}, v.status || "—"),
        h("td", {}, fmtTime(v.created_on)),
        h("td", { class: "mono metrics" }, Object.entries(v.metrics).map(([k, x]) => h("div", {}, `${k}: ${typeof x === "number" ? +x.toFixed(4) : x}`))),
        h("td", { class: "mono" }, v.model_data_url || ""),
        h("td", {}, h("div", { class: "actions" },
          h("button", { type: "button", class: "approve", disabled: v.approval === "Approved", onclick: () => approve(v, "Approved") }, "Approve"),
          h("button", { type: "button", class: "danger reject", disabled: v.approval === "Rejected", onclick: () => approve(v, "Rejected") }, "Reject")))))));
}

async function viewVersion() {
  const group = data.group, version = data.version;
  const v = await api(`/api/models/${enc(group)}/versions/${enc(version)}`);
  const l = v.lineage;
  const mono = (x) => x ? h("span", { class: "mono" }, x) : "—";
  const runLink = l.workflow && l.run_id ? h("a", { id: "lineage-run", class: "mono", href: `/workflows/${enc(l.workflow)}/runs/${enc(l.run_id)}` }, l.run_id) : "—";
  const endpoints = l.endpoints.length ? h("ul", { id: "lineage-endpoints" }, l.endpoints.map((e) => h("li", {},
    h("a", { href: `/endpoints/${enc(e.endpoint)}` }, e.endpoint), " ", badge(e.status), ` variant ${e.variant} · config ${e.endpoint_config}`)))
    : h("span", { class: "muted", id: "lineage-endpoints" }, "not served by any endpoint");
  const st = v.stages || { promotions: [], approvals: {} };
  const stages = st.promotions.length || Object.keys(st.approvals).length ? h("ul", { id: "version-stages" },
    st.promotions.map((p) => h("li", {}, `${p.stage} → `, h("a", { href: `/endpoints/${enc(p.endpoint)}` }, p.endpoint),
      " ", badge(p.current ? "serving" : "replaced"), ` · promoted ${fmtTime(p.at)} by ${p.by}`)),
    Object.entries(st.approvals).map(([s, a]) => h("li", {}, `approved for ${s} ${fmtTime(a.at)} by ${a.by}`)))
    : h("span", { class: "muted", id: "version-stages" }, st.error || "not promoted to any stage");
  app.replaceChildren(h("h1", {}, h("a", { href: `/models/${enc(group)}` }, group), " · version ", h("span", { class: "mono" }, v.version)),
    h("div", { class: "row" },
      h("div", { class: "card grow" }, h("h2", {}, "Version"), facts([["Approval", badge(v.approval)], ["Status", v.status || "—"],
        ["Created", fmtTime(v.created_on)], ["ARN", mono(v.arn)], ["Model data", mono(v.model_data_url)], ["Image", mono(v.image)]])),
      h("div", { class: "card grow", id: "lineage" }, h("h2", {}, "Lineage"), facts([
        ["Workflow", l.workflow ? h("a", { href: `/workflows/${enc(l.workflow)}` }, l.workflow) : "—"], ["Run", runLink],
        ["Training job", mono(l.training_job)], ["Input data", mono(l.input_uri)], ["Data quality", mono(l.data_quality_uri)],
        ["Evaluation", mono(l.evaluation_uri)], ["Served by", endpoints], ["Stages", stages]]))),
    evaluationBox(v));
}

async function viewEndpoints() {
  const { endpoints } = await api("/api/endpoints");
  app.replaceChildren(h("h1", {}, "Endpoints"), endpoints.length ? h("table", {},
    h("tr", {}, ["Endpoint", "Status", "Config", "URL", "Updated"].map((x) => h("th", {}, x))),
    endpoints.map((e) => h("tr", {},
      h("td", {}, h("a", { href: `/endpoints/${enc(e.name)}` }, e.name)), h("td", {}, badge(e.status)),
      h("td", { class: "mono" }, e.config || ""), h("td", { class: "mono" }, e.url || "—"),
      h("td", {}, fmtTime(e.last_modified_on)))))
    : h("p", { class: "muted" }, "No endpoint yet: a run's deploy node creates one."));
}

async function viewEndpoint() {
  const name = data.endpoint;
  const e = await api(`/api/endpoints/${enc(name)}`);
  const input = h("textarea", { id: "csv", placeholder: "one record per line: feature values, no label, no header" });
  const out = h("pre", { class: "log", id: "invoke-result", hidden: true });
  const invoke = async () => {
    try {
      const r = await api(`/api/endpoints/${enc(name)}/invocations`, { csv: input.value });
      out.textContent = r.body; out.hidden = false;
    } catch (err) { out.hidden = true; showError(err); }
  };
  app.replaceChildren(h("h1", {}, "Endpoint ", h("span", { class: "mono" }, e.name)),
    h("div", { class: "card" }, facts([["Status", badge(e.status)], ["Config", e.config || "—"],
      ["URL", e.url || "—"], ["Created", fmtTime(e.created_on)], ["Updated", fmtTime(e.last_modified_on)],
      ...(e.failure_reason ? [["Failure", e.failure_reason]] : [])])),
    h("div", { class: "card" }, h("h2", {}, "Invoke with CSV"), input,
      h("div", { class: "actions" }, h("button", { id: "invoke", type: "button", onclick: invoke }, "Invoke")), out));
}
