// glue-wf console front-end: plain JS, no libraries, no network access but this server.
// Every string from the API goes through textContent (h()), never innerHTML.
"use strict";

const TOKEN = (document.querySelector('meta[name="glue-wf-token"]') || {}).content || "";
const SVG_NS = "http://www.w3.org/2000/svg";
const STATES = ["running", "succeeded", "failed", "timeout", "stopped", "not-started"];
const app = document.getElementById("app");
const data = document.body.dataset;
let pollTimer = null;

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v);
  }
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

async function api(path, body) {
  const opts = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Glue-Wf-Token": TOKEN },
    body: JSON.stringify(body),
  };
  const res = await fetch(path, opts);
  let payload;
  try { payload = await res.json(); } catch (e) { payload = { error: { message: res.statusText } }; }
  if (!res.ok) {
    const err = new Error((payload.error && payload.error.message) || res.statusText);
    err.status = res.status;
    throw err;
  }
  return payload;
}

function toast(text, bad) {
  const t = document.getElementById("toast");
  t.textContent = text;
  t.className = bad ? "bad" : "";
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, bad ? 9000 : 4000);
}

function fmtTime(iso) { return iso ? new Date(iso).toLocaleString() : "—"; }
function fmtDur(sec) {
  if (sec === null || sec === undefined) return "—";
  if (sec < 60) return sec.toFixed(1) + " s";
  const m = Math.floor(sec / 60), r = Math.round(sec % 60);
  return m < 60 ? `${m} min ${r} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
function badge(text) { return text ? h("span", { class: "badge " + text }, text) : "—"; }
function enc(x) { return encodeURIComponent(x); }
function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}
function propsTable(props) {
  const keys = Object.keys(props || {}).sort();
  if (!keys.length) return h("p", { class: "muted" }, "none");
  return h("table", { class: "props-table" }, h("tr", {}, h("th", {}, "Property"), h("th", {}, "Value")),
    keys.map((k) => h("tr", {}, h("td", { class: "mono" }, k), h("td", { class: "mono" }, props[k]))));
}
function showError(e) { toast(e.message, true); }

// The verdict is the server's label (the CLI's): "rejected" when a gate rejected the
// run's model and its branch handled it, shown with the gate's reason.
function rejectedReason(r) {
  return (r.rejections || []).map((x) => `gate ${x.gate}: ${x.reason || "rejected"}`).join("; ");
}
function verdictBadge(r) {
  const reason = r.verdict === "rejected" ? rejectedReason(r) : "";
  if (!reason) return badge(r.verdict);
  return h("span", { class: "verdict-rejected", title: reason }, badge("rejected"), " ",
    h("span", { class: "muted rejection-reason" }, reason));
}
// Charts are SVG drawn by the server; parsed as XML (no script runs) and adopted.
function chart(svgText) {
  const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
  return document.importNode(doc.documentElement, true);
}
function num(x, digits) { return x === null || x === undefined ? "—" : (+x).toFixed(digits === undefined ? 4 : digits); }
function evaluationBox(payload) {
  const ev = payload.evaluation, charts = payload.charts || {};
  const order = ["roc", "pr", "confusion", "importance"];
  const items = order.filter((k) => charts[k]).map((k) => h("figure", { class: "chart-box", "data-chart-name": k }, chart(charts[k])));
  const parts = [h("div", { class: "charts", id: "charts" }, items)];
  if (!items.length) parts.push(h("p", { class: "muted" }, "No model-quality data."));
  for (const p of ev.problems || []) parts.push(h("div", { class: "message" }, p));
  const q = ev.quality;
  if (q) {
    const keys = ["accuracy", "precision", "recall", "f1", "auc", "true_negative_rate", "false_positive_rate"];
    parts.push(h("table", { class: "metrics-table", id: "quality-metrics" }, h("tr", {}, keys.map((k) => h("th", {}, k))),
      h("tr", {}, keys.map((k) => h("td", { class: "num" }, num(q.metrics[k]))))));
  }
  if ((ev.threshold_table || []).length) {
    const cols = ["threshold", "precision", "recall", "f1", "accuracy", "false_positive_rate", "tp", "fp", "tn", "fn"];
    parts.push(h("h3", {}, "Threshold table"), h("table", { id: "threshold-table" },
      h("tr", {}, cols.map((c) => h("th", {}, c))),
      ev.threshold_table.map((row) => h("tr", { class: row.threshold === ev.threshold ? "current" : "" },
        cols.map((c) => h("td", { class: "num" }, ["tp", "fp", "tn", "fn"].includes(c) ? row[c] : num(row[c], c === "threshold" ? 2 : 3)))))));
  }
  return h("div", { class: "card", id: "evaluation" }, h("h2", {}, "Evaluation"), parts);
}

// ---- the DAG ----------------------------------------------------------------------------

function drawGraph(graph, opts) {
  const byId = Object.fromEntries(graph.nodes.map((n) => [n.id, n]));
  const svg = s("svg", { width: graph.width, height: graph.height,
    viewBox: `0 0 ${graph.width} ${graph.height}`, role: "img", "aria-label": "workflow graph" });
  svg.append(s("defs", {}, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5,
    markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
  s("path", { d: "M0,0 L10,5 L0,10 z", fill: "#8a96a6" }))));
  for (const e of graph.edges) {
    const a = byId[e.source], b = byId[e.target];
    // top to bottom: from the source's bottom centre to the target's top centre
    const x1 = a.x + a.width / 2, y1 = a.y + a.height, x2 = b.x + b.width / 2, y2 = b.y;
    const my = (y1 + y2) / 2;
    svg.append(s("path", { class: "edge", d: `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`,
      "marker-end": "url(#arrow)" }));
    if (e.label) {
      svg.append(s("text", { class: "edge-label " + e.label, x: (x1 + x2) / 2 + 6, y: my + 4,
        "text-anchor": "start" }, e.label));
    }
  }
  for (const n of graph.nodes) {
    const cls = opts.withRuns ? "state-" + (n.state_class || "not-started") : "def";
    const g = s("g", { class: `node ${n.type} ${cls}`, "data-node-id": n.id, "data-node-name": n.name,
      "data-state": n.state_class || "", tabindex: 0 });
    const rx = n.type === "TRIGGER" ? n.height / 2 : 6;
    g.append(s("rect", { x: n.x, y: n.y, width: n.width, height: n.height, rx: rx }));
    let label = n.label;
    if (n.type === "TRIGGER" && n.trigger) {
      const t = n.trigger;
      // the logical operator matters only when a trigger watches several nodes
      if (t.type !== "CONDITIONAL") label = `${t.type} · ${n.label}`;
      else if ((t.conditions || []).length > 1) label = `${t.logical || "AND"} · ${n.label}`;
    }
    const max = 24;
    g.append(s("text", { x: n.x + n.width / 2, y: n.y + n.height / 2 },
      label.length > max ? label.slice(0, max - 1) + "…" : label));
    g.append(s("title", {}, n.name + (n.state ? ` (${n.state})` : "")));
    if (opts.onSelect) {
      g.addEventListener("click", () => opts.onSelect(n));
      g.addEventListener("keydown", (ev) => { if (ev.key === "Enter") opts.onSelect(n); });
    }
    if (opts.selected === n.id) g.classList.add("selected");
    svg.append(g);
  }
  return h("div", { class: "graph", id: "graph" }, svg);
}

function legend() {
  return h("div", { class: "legend" }, STATES.map((st) =>
    h("span", { class: "lg-" + st }, st.replace("-", " "))),
  h("span", { class: "lg-fired" }, "trigger fired"));
}

function triggerFacts(n) {
  const t = n.trigger || {};
  const pairs = [["Trigger", n.name], ["Type", t.type || "—"]];
  if (t.schedule) pairs.push(["Schedule", t.schedule]);
  if (t.conditions && t.conditions.length) {
    pairs.push(["Fires when", `${t.logical || "AND"} of ` +
      t.conditions.map((c) => `${c.job} = ${c.state}`).join(", ")]);
  }
  pairs.push(["Starts", (t.actions || []).join(", ") || "—"]);
  return facts(pairs);
}

// ---- views ------------------------------------------------------------------------------

async function viewWorkflows() {
  const { workflows } = await api("/api/workflows");
  app.replaceChildren(h("h1", {}, "Workflows"), workflows.length ? h("table", {},
    h("tr", {}, ["Name", "Description", "Last run", "Status", "Verdict", "Started"].map((x) => h("th", {}, x))),
    workflows.map((w) => h("tr", {},
      h("td", {}, h("a", { href: `/workflows/${enc(w.name)}` }, w.name)),
      h("td", {}, w.description || ""),
      h("td", { class: "mono" }, w.last_run ? h("a", { href: `/workflows/${enc(w.name)}/runs/${enc(w.last_run.run_id)}` }, w.last_run.run_id) : "—"),
      h("td", {}, w.last_run ? badge(w.last_run.status) : "—"),
      h("td", {}, w.last_run ? verdictBadge(w.last_run) : "—"),
      h("td", {}, w.last_run ? fmtTime(w.last_run.started_on) : "—"))))
    : h("p", { class: "muted" }, "No workflow yet: deploy one with glue-wf deploy."));
}

function runsTable(wf, runs) {
  if (!runs.length) return h("p", { class: "muted" }, "No run yet.");
  return h("table", { id: "runs" },
    h("tr", {}, ["Run", "Status", "Verdict", "Started", "Duration", "Run properties", "Resumed from"].map((x) => h("th", {}, x))),
    runs.map((r) => h("tr", { "data-run-id": r.run_id },
      h("td", { class: "mono" }, h("a", { href: `/workflows/${enc(wf)}/runs/${enc(r.run_id)}` }, r.run_id)),
      h("td", {}, badge(r.status)), h("td", {}, verdictBadge(r)),
      h("td", {}, fmtTime(r.started_on)), h("td", { class: "num" }, fmtDur(r.duration_seconds)),
      h("td", { class: "num" }, Object.keys(r.run_properties || {}).length),
      h("td", { class: "mono" }, r.previous_run_id || ""))));
}

function startForm(wf, defaults) {
  const rows = h("tbody", {});
  const addRow = (k, v, placeholder) => rows.append(h("tr", {},
    h("td", {}, h("input", { class: "prop-key", value: k || "", placeholder: "name" })),
    h("td", {}, h("input", { class: "prop-value", value: v || "", placeholder: placeholder || "value" }))));
  for (const k of Object.keys(defaults).sort()) addRow(k, "", defaults[k]);
  const start = async () => {
    const props = {};
    for (const tr of rows.children) {
      const k = tr.querySelector(".prop-key").value.trim();
      const v = tr.querySelector(".prop-value").value;
      if (k && v !== "") props[k] = v;
    }
    try {
      const r = await api(`/api/workflows/${enc(wf)}/runs`, { run_properties: props });
      window.location.href = `/workflows/${enc(wf)}/runs/${enc(r.run_id)}`;
    } catch (e) { showError(e); }
  };
  return h("div", { class: "card", id: "start-form" }, h("h2", {}, "Start a run"),
    h("p", { class: "muted" }, "Leave a value empty to use the workflow default (shown greyed)."),
    h("table", { class: "props" }, rows),
    h("div", { class: "actions" },
      h("button", { class: "secondary", type: "button", onclick: () => addRow("", "") }, "Add property"),
      h("button", { id: "start-run", type: "button", onclick: start }, "Start run")));
}

async function viewWorkflow() {
  const wf = data.workflow;
  const [w, runs] = await Promise.all([api(`/api/workflows/${enc(wf)}`), api(`/api/workflows/${enc(wf)}/runs`)]);
  const detail = h("div", { class: "card", id: "node-detail" }, h("p", { class: "muted" }, "Select a node."));
  const select = async (n) => {
    if (n.type === "TRIGGER") { detail.replaceChildren(triggerFacts(n)); return; }
    try {
      const j = await api(`/api/jobs/${enc(n.name)}`);
      const args = Object.entries(j.default_arguments).map(([k, v]) => `${k} ${v}`);
      detail.replaceChildren(facts([["Job", j.name], ["Description", j.description || "—"],
        ["Command", `${j.command}${j.python_version ? " (Python " + j.python_version + ")" : ""}, Glue ${j.glue_version || "—"}`],
        ["Script", h("span", { class: "mono" }, j.script_location || "—")],
        ["Capacity", j.worker_type ? `${j.number_of_workers} × ${j.worker_type}` : `${j.max_capacity} DPU`],
        ["Timeout", `${j.timeout_minutes} min`], ["Max retries", j.max_retries],
        ["Arguments", h("div", { class: "mono" }, args.map((a) => h("div", {}, a)))]]));
    } catch (e) { detail.replaceChildren(h("div", { class: "message" }, e.message)); }
  };
  const graphBox = h("div", { class: "graph-col" }, drawGraph(w.graph, { withRuns: false, onSelect: select }));
  const runsBox = h("div", {}, runsTable(wf, runs.runs));
  const trendBox = h("div", { id: "trend-box" }), notesBox = h("div", {});
  app.replaceChildren(h("h1", {}, "Workflow ", h("span", { class: "mono" }, w.name)),
    w.description ? h("p", {}, w.description) : "",
    h("div", { class: "row" }, graphBox, h("div", { class: "grow" }, detail, startForm(wf, w.default_run_properties))),
    h("h2", {}, "Runs (newest first)"), runsBox, trendBox, notesBox);
  loadTrend(wf, trendBox);
  loadNotifications(wf, notesBox);
  const refresh = async () => {
    try {
      const fresh = await api(`/api/workflows/${enc(wf)}/runs`);
      runsBox.replaceChildren(runsTable(wf, fresh.runs));
    } catch (e) { /* keep the last table; the next poll retries */ }
  };
  pollTimer = setInterval(refresh, 3000);
}

async function loadTrend(wf, box) {
  let t;
  try { t = await api(`/api/workflows/${enc(wf)}/trend`); } catch (e) { box.replaceChildren(h("div", { class: "message" }, e.message)); return; }
  if (!t.runs.length) { box.replaceChildren(); return; }
  const ids = t.runs.map((r) => r.run_id);
  const pick = (id, sel) => h("select", { id }, ids.map((x, i) => h("option", { value: x, selected: i === sel }, x)));
  const a = pick("compare-a", Math.min(1, ids.length - 1)), b = pick("compare-b", 0);
  const dqKeys = [...new Set(t.runs.flatMap((r) => Object.keys(r.data_quality)))].sort();
  box.replaceChildren(h("h2", {}, "Runs over time"),
    h("div", { class: "card" }, t.chart ? h("div", { id: "trend-chart" }, chart(t.chart)) : h("p", { class: "muted" }, "No run has metrics yet."),
      t.gate_metrics.length ? h("p", { class: "muted" }, `Gate metrics: ${t.gate_metrics.join(", ")}`) : ""),
    h("table", { id: "trend" }, h("tr", {}, ["Run", "Verdict", "Started", ...t.metrics, ...dqKeys, "Model"].map((x) => h("th", {}, x))),
      t.runs.map((r) => h("tr", { "data-run-id": r.run_id, "data-verdict": r.verdict },
        h("td", { class: "mono" }, h("a", { href: `/workflows/${enc(wf)}/runs/${enc(r.run_id)}` }, r.run_id)),
        h("td", {}, verdictBadge(r)), h("td", {}, fmtTime(r.started_on)),
        t.metrics.map((m) => h("td", { class: "num", "data-metric": m }, num(r.metrics[m]))),
        dqKeys.map((k) => h("td", { class: "num" }, r.data_quality[k] || "—")),
        h("td", {}, r.model_package_version ? h("a", { href: `/models/${enc(r.model_package_group)}/versions/${enc(r.model_package_version)}` }, `v${r.model_package_version}`) : "—")))),
    ids.length > 1 ? h("div", { class: "actions", id: "compare-form" }, "Compare ", a, " with ", b,
      h("button", { type: "button", id: "compare", onclick: () => { window.location.href = `/workflows/${enc(wf)}/compare/${enc(a.value)}/${enc(b.value)}`; } }, "Compare")) : "");
}

async function viewCompare() {
  const wf = data.workflow;
  const c = await api(`/api/workflows/${enc(wf)}/compare/${enc(data.a)}/${enc(data.b)}`);
  const runLink = (r) => h("a", { class: "mono", href: `/workflows/${enc(wf)}/runs/${enc(r.run_id)}` }, r.run_id);
  const head = (r, side) => h("div", { class: "card grow", id: `run-${side}` }, h("h2", {}, side.toUpperCase(), " · ", runLink(r)),
    facts([["Status", badge(r.status)], ["Verdict", verdictBadge(r)], ["Started", fmtTime(r.started_on)], ["Duration", fmtDur(r.duration_seconds)]]));
  const delta = (d) => d === null || d === undefined ? "—" : (d > 0 ? "+" : "") + (+d.toFixed(6));
  app.replaceChildren(h("h1", {}, h("a", { href: `/workflows/${enc(wf)}` }, wf), " · compare"),
    h("div", { class: "row" }, head(c.a, "a"), head(c.b, "b")),
    h("h2", {}, "Metrics"), h("table", { id: "metrics-diff" }, h("tr", {}, ["Metric", "A", "B", "B − A"].map((x) => h("th", {}, x))),
      c.metrics.map((m) => h("tr", { "data-name": m.name, class: m.delta ? "changed" : "" }, h("td", { class: "mono" }, m.name),
        h("td", { class: "num" }, m.a === null ? "—" : m.a), h("td", { class: "num" }, m.b === null ? "—" : m.b), h("td", { class: "num delta" }, delta(m.delta))))),
    h("h2", {}, "Node durations"), h("table", { id: "nodes-diff" }, h("tr", {}, ["Node", "A", "B", "B − A"].map((x) => h("th", {}, x))),
      c.nodes.map((n) => h("tr", { "data-node": n.node }, h("td", { class: "mono" }, n.node),
        h("td", {}, fmtDur(n.a_seconds), " ", badge(n.a_state)), h("td", {}, fmtDur(n.b_seconds), " ", badge(n.b_state)),
        h("td", { class: "num" }, n.delta === null ? "—" : (n.delta > 0 ? "+" : "") + n.delta.toFixed(1) + " s")))),
    h("h2", {}, "Run properties"), h("table", { id: "props-diff" }, h("tr", {}, ["Property", "A", "B"].map((x) => h("th", {}, x))),
      c.properties.map((p) => h("tr", { "data-name": p.name, class: p.changed ? "changed" : "" }, h("td", { class: "mono" }, p.name),
        h("td", { class: "mono" }, p.a === null ? "—" : p.a), h("td", { class: "mono" }, p.b === null ? "—" : p.b)))));
}

function runLinks(wf, props) {
  const links = [];
  if (props.model_package_group && props.model_package_version) {
    links.push(["Model version", h("a", { id: "model-link", href: `/models/${enc(props.model_package_group)}/versions/${enc(props.model_package_version)}` },
      `${props.model_package_group} v${props.model_package_version}`)]);
  }
  if (props.deployed_endpoint) links.push(["Endpoint", h("a", { id: "endpoint-link", href: `/endpoints/${enc(props.deployed_endpoint)}` }, props.deployed_endpoint)]);
  if (props.training_job_name) links.push(["Training job", h("span", { class: "mono" }, props.training_job_name)]);
  if (props.input_uri) links.push(["Input data", h("span", { class: "mono" }, props.input_uri)]);
  return links;
}

async function viewRun() {
  const wf = data.workflow, runId = data.run;
  let selected = null, run = null;
  const head = h("div", {}), graphBox = h("div", {}), detail = h("div", { class: "card", id: "node-detail" });
  const logBox = h("div", { id: "log-box" }), propsBox = h("div", {}), evalBox = h("div", {});
  const reportBox = h("div", {});
  graphBox.className = "graph-col";
  app.replaceChildren(head, legend(), h("div", { class: "row" }, graphBox,
    h("div", { class: "grow" }, detail, logBox)), evalBox, reportBox, h("h2", {}, "Run properties"), propsBox);
  let reportShown = null;  // the report reads SageMaker: once while live, once when done
  const showReport = async () => {
    const phase = run.live ? "live" : "done";
    if (reportShown === phase) return;
    reportShown = phase;
    try { reportBox.replaceChildren(runReportBox(await api(`/api/workflows/${enc(wf)}/runs/${enc(runId)}/report`))); }
    catch (e) { reportBox.replaceChildren(h("div", { class: "message" }, e.message)); }
  };
  let evalShown = null;
  const showEvaluation = async () => {
    const props = run.run_properties || {};
    const key = `${props.model_quality_uri || ""}|${props.evaluation_uri || ""}`;
    if (key === "|" || key === evalShown) return;
    evalShown = key;
    try { evalBox.replaceChildren(evaluationBox(await api(`/api/workflows/${enc(wf)}/runs/${enc(runId)}/evaluation`))); }
    catch (e) { evalBox.replaceChildren(h("div", { class: "message" }, e.message)); }
  };

  let openLog = null;
  const showLog = async (jobName, jobRunId) => {
    openLog = [jobName, jobRunId];
    logBox.replaceChildren(h("h2", {}, `Log of ${jobName} · ${jobRunId}`), h("p", { class: "muted" }, "Loading…"));
    try {
      const log = await api(`/api/jobs/${enc(jobName)}/runs/${enc(jobRunId)}/log`);
      logBox.replaceChildren(h("h2", {}, `Log of ${jobName} · ${jobRunId}`),
        log.truncated ? h("p", { class: "muted" }, `last ${log.text.length} of ${log.size} bytes`) : "",
        h("pre", { class: "log", id: "log" }, log.text || "(empty)"));
    } catch (e) {
      logBox.replaceChildren(h("div", { class: "message" }, e.message));
    }
  };
  const resume = async (nodeIds) => {
    try {
      const r = await api(`/api/workflows/${enc(wf)}/runs/${enc(runId)}/resume`, nodeIds ? { node_ids: nodeIds } : {});
      window.location.href = `/workflows/${enc(wf)}/runs/${enc(r.run_id)}`;
    } catch (e) { showError(e); }
  };
  const stop = async () => {
    try { await api(`/api/workflows/${enc(wf)}/runs/${enc(runId)}/stop`, {}); toast("Stopping…"); await refresh(); }
    catch (e) { showError(e); }
  };
  const renderDetail = () => {
    const n = run && run.graph.nodes.find((x) => x.id === selected);
    if (!n) { detail.replaceChildren(h("p", { class: "muted" }, "Select a node to see its attempts and log.")); return; }
    if (n.type === "TRIGGER") { detail.replaceChildren(triggerFacts(n)); return; }
    const rows = (n.runs || []).map((jr) => h("tr", { "data-job-run-id": jr.id },
      h("td", { class: "num" }, jr.attempt), h("td", {}, badge(jr.state)),
      h("td", {}, fmtTime(jr.started_on)), h("td", {}, fmtTime(jr.completed_on)),
      h("td", { class: "num" }, fmtDur(jr.duration_seconds)),
      h("td", { class: "mono" }, jr.error || ""),
      h("td", {}, h("button", { class: "secondary view-log", type: "button", onclick: () => showLog(n.name, jr.id) }, "View log"))));
    const f = n.failure;  // the reason the job recorded (Glue's own message on AWS says little)
    const failure = f ? h("div", { class: "card failure" }, facts([
      ["Reason", h("span", { class: "mono", id: "failure-reason" }, f.reason || "")],
      ...(f.glue_error && f.glue_error !== f.reason ? [["Glue says", h("span", { class: "mono" }, f.glue_error)]] : []),
      ...(f.log_groups ? [["Logs", h("span", { class: "mono" }, `${f.log_groups.output}, ${f.log_groups.error} (stream ${f.job_run_id})`)]] : []),
      ...(f.log_file ? [["Log", h("span", { class: "mono" }, f.log_file)]] : []),
      ...(f.console_url ? [["AWS console", h("a", { href: f.console_url, target: "_blank", rel: "noopener" }, "job run")]] : []),
    ])) : "";
    const cache = n.cache ? h("p", { class: "muted", id: "cache-note" }, "Step cache: ", h("span", { class: "mono" }, n.cache)) : "";
    detail.replaceChildren(h("h2", {}, n.name, " ", badge(n.state_class)), cache, failure,
      rows.length ? h("table", {}, h("tr", {}, ["Attempt", "State", "Started", "Ended", "Duration", "Error", ""].map((x) => h("th", {}, x))), rows)
        : h("p", { class: "muted" }, "Not started in this run."),
      run.status === "COMPLETED" && rows.length ? h("div", { class: "actions" },
        h("button", { class: "secondary", id: "resume-node", type: "button", onclick: () => resume([n.id]) }, "Resume from this node")) : "");
  };
  const render = () => {
    const stats = run.statistics || {};
    head.replaceChildren(
      h("h1", {}, h("a", { href: `/workflows/${enc(wf)}` }, wf), " · ", h("span", { class: "mono" }, runId)),
      h("div", { class: "card" }, facts([
        ["Status", h("span", { id: "run-status" }, badge(run.status))],
        ["Verdict", h("span", {}, h("span", { id: "run-verdict" }, verdictBadge(run)), " ",
          h("span", { class: "muted", id: "verdict-summary" },
            run.verdict_summary && run.verdict_summary !== run.verdict ? run.verdict_summary : ""))],
        ["Started", fmtTime(run.started_on)], ["Ended", fmtTime(run.completed_on)],
        ["Duration", fmtDur(run.duration_seconds)],
        ["Actions", `${stats.SucceededActions || 0} succeeded, ${stats.FailedActions || 0} failed, ` +
          `${stats.TimeoutActions || 0} timed out, ${stats.StoppedActions || 0} stopped, ${stats.RunningActions || 0} running of ${stats.TotalActions || 0}`],
        ...runLinks(wf, run.run_properties || {}),
        ...(run.previous_run_id ? [["Resumed from", h("a", { class: "mono", href: `/workflows/${enc(wf)}/runs/${enc(run.previous_run_id)}` }, run.previous_run_id)]] : []),
        ...(run.error ? [["Error", run.error]] : []),
      ]),
      h("div", { class: "actions" },
        run.status === "RUNNING" ? h("button", { class: "danger", id: "stop-run", type: "button", onclick: stop }, "Stop run") : "",
        run.resumable_node_ids.length ? h("button", { id: "resume-run", type: "button", onclick: () => resume(null) },
          `Resume from failed nodes (${run.resumable_node_ids.length})`) : "")));
    graphBox.replaceChildren(drawGraph(run.graph, { withRuns: true, selected,
      onSelect: (n) => { selected = n.id; render(); } }));
    propsBox.replaceChildren(propsTable(run.run_properties));
    renderDetail();
  };
  const refresh = async () => {
    try { run = await api(`/api/workflows/${enc(wf)}/runs/${enc(runId)}`); }
    catch (e) { showError(e); return; }
    render();
    await showEvaluation();
    await showReport();
    if (openLog && pollTimer) await showLog(...openLog);  // follow a log while the run goes on
    if (!run.live && pollTimer) { clearInterval(pollTimer); pollTimer = null; }
  };
  await refresh();
  if (run && run.live) pollTimer = setInterval(refresh, 1000);
}

const VIEWS = { workflows: viewWorkflows, workflow: viewWorkflow, run: viewRun, models: viewModels,
  model: viewModel, version: viewVersion, compare: viewCompare, endpoints: viewEndpoints, endpoint: viewEndpoint,
  notifications: viewNotifications };
const view = VIEWS[data.view];
if (view) {
  view().catch((e) => app.replaceChildren(h("div", { class: "message" }, e.message)));
}
