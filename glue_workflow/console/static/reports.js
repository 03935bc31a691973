// glue-wf console: a run's cost and latency report and the recorded verdict notifications.
// Loaded before console.js; uses its helpers (h, badge, enc, fmtDur, num) when called.
// The JSON is `glue-wf report --json` and `glue-wf notifications --json`.
"use strict";

function secs(x) { return x === null || x === undefined ? "—" : fmtDur(x); }
function usd(x) { return x === null || x === undefined ? "no rate" : "$" + (+x).toFixed(4); }

function ratesNote(rates) {
  const sources = rates.Sources.flatMap((src, i) => [i ? ", " : "",
    /^https:\/\//.test(src) ? h("a", { href: src, target: "_blank", rel: "noopener noreferrer" }, src) : src]);
  return h("p", { class: "muted", id: "report-rates" },
    `Rates: ${rates.Region} list prices of ${rates.Date} (`, sources, ")",
    rates.Overridden.length ? `; overridden in glue-wf.toml [cost.rates]: ${rates.Overridden.join(", ")}` : "");
}

function runReportBox(r) {
  const nodes = h("table", { id: "report-nodes" },
    h("tr", {}, ["Node", "Attempts", "Lag", "Start-up", "Run time", "DPU-hours", "Basis", "Estimated cost"].map((x) => h("th", {}, x))),
    r.Nodes.map((n) => h("tr", { "data-node": n.Node },
      h("td", { class: "mono" }, n.Node), h("td", { class: "num" }, n.Attempts),
      h("td", { class: "num" }, secs(n.LagSeconds)), h("td", { class: "num" }, secs(n.StartupSeconds)),
      h("td", { class: "num" }, secs(n.RunSeconds)), h("td", { class: "num" }, num(n.DpuHours)),
      h("td", { class: "muted" }, n.Basis), h("td", { class: "num cost" }, usd(n.Cost)))));
  const sm = r.SageMaker.length ? h("table", { id: "report-sagemaker" },
    h("tr", {}, ["Kind", "Name", "Node", "Instances", "Time", "Instance-hours", "Estimated cost", ""].map((x) => h("th", {}, x))),
    r.SageMaker.map((s) => h("tr", { "data-name": s.Name },
      h("td", {}, s.Kind), h("td", { class: "mono" }, s.Name), h("td", { class: "mono" }, s.Node),
      h("td", {}, `${s.InstanceCount} × ${s.InstanceType}`), h("td", { class: "num" }, secs(s.Seconds)),
      h("td", { class: "num" }, num(s.InstanceHours)), h("td", { class: "num cost" }, usd(s.Cost)),
      h("td", { class: "muted" }, s.Note || ""))))
    : h("p", { class: "muted" }, "No SageMaker training, processing or endpoint in this run.");
  return h("div", { class: "card", id: "run-report" }, h("h2", {}, "Cost and latency"),
    facts([["Estimated cost", h("span", { id: "report-total" }, usd(r.EstimatedCost))],
      ["Glue DPU-hours", num(r.GlueDpuHours)], ["Wall time", secs(r.WallSeconds)],
      ...(r.Unpriced.length ? [["No rate for", `${r.Unpriced.join(", ")} (add it in glue-wf.toml [cost.rates])`]] : [])]),
    h("h3", {}, "Glue jobs"), nodes, h("h3", {}, "SageMaker"), sm, ratesNote(r.Rates));
}

function notificationsBox(payload, wf) {
  const parts = [h("h2", {}, "Notifications (newest first)")];
  if (!payload.recorded) {
    parts.push(h("p", { class: "muted", id: "notifications-note" }, payload.note));
  } else if (!payload.notifications.length) {
    parts.push(h("p", { class: "muted", id: "notifications-note" },
      "No notification yet: Workflow(notify=[...]) publishes one per run verdict."));
  } else {
    parts.push(h("table", { id: "notifications" },
      h("tr", {}, ["Time", ...(wf ? [] : ["Workflow"]), "Run", "Verdict", "Failed node", "Reason", "Channel"].map((x) => h("th", {}, x))),
      payload.notifications.map((n) => {
        const m = n.Message;
        const run = m.workflow && m.runId ? h("a", { href: `/workflows/${enc(m.workflow)}/runs/${enc(m.runId)}` }, m.runId) : (m.runId || "—");
        return h("tr", { "data-run-id": m.runId || "", "data-channel": n.Channel },
          h("td", {}, new Date(n.Time).toLocaleString()),
          ...(wf ? [] : [h("td", {}, m.workflow ? h("a", { href: `/workflows/${enc(m.workflow)}` }, m.workflow) : "—")]),
          h("td", { class: "mono" }, run), h("td", {}, badge(m.verdict)),
          h("td", { class: "mono" }, m.failedNode || ""), h("td", { class: "mono" }, m.reason || ""),
          h("td", { class: "mono" }, n.Channel));
      })));
  }
  return h("div", { id: "notifications-box" }, parts);
}

async function loadNotifications(wf, box) {
  try {
    const payload = await api("/api/notifications" + (wf ? `?workflow=${enc(wf)}` : ""));
    box.replaceChildren(notificationsBox(payload, wf));
  } catch (e) { box.replaceChildren(h("div", { class: "message" }, e.message)); }
}

async function viewNotifications() {
  const box = h("div", {});
  app.replaceChildren(h("h1", {}, "Notifications"),
    h("p", { class: "muted" }, "Run verdicts published by Workflow(notify=[...]), as glue-wf notifications lists them."), box);
  await loadNotifications(null, box);
}
