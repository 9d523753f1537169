/* Setup pages for External Client Apps: App Manager, External Client App Manager, New / Edit Settings, the app's
   Settings and Policies tabs, Edit Policies, and the Consumer Key and Secret page behind identity verification.
   Everything is rendered from /aura answers; the server re-validates every submission. */
(function () {
  "use strict";
  const { h, uid, aura, AuraError, busy, toast, confirmModal, expandableSection, route, navigate, text } = window.LX;
  const BASE = "/lightning/setup/ManageExternalClientApplication";
  const CONNECTED_APP_NEW = "/lightning/setup/ConnectedApplication/page?address=" + encodeURIComponent("/app/mgmt/forceconnectedapps/forceAppEdit.apexp");

  function pageHeader(meta, title, ...actions) {
    return h("div", { class: "slds-page-header" },
      h("div", {}, h("div", { class: "slds-page-header__name-meta", text: meta }), h("h1", { class: "slds-page-header__title", text: title })),
      h("div", { class: "slds-page-header__controls" }, ...actions));
  }
  const button = (label, onclick, variant) => h("lightning-button", { label, variant: variant || "neutral", onclick });
  const sectionTitle = (text) => h("h3", { class: "slds-section__title", text });
  const subTitle = (text) => h("h4", { class: "slds-section__subtitle", text });

  /* a read-only "label: value" pair as record pages show it */
  function readonly(label, value) {
    const id = uid("output-label");
    const values = Array.isArray(value) ? value : [value];
    return h("div", { class: "slds-form-element slds-form-element_readonly", role: "group", "aria-labelledby": id },
      h("span", { class: "slds-form-element__label", id, text: label }),
      h("div", { class: "slds-form-element__control" }, values.map((v) => h("div", { class: "slds-form-element__static", text: v == null || v === "" ? "" : String(v) }))));
  }
  const yesNo = (label, on) => h("lightning-input", { type: "checkbox", label, checked: !!on, disabled: true });

  /* field errors from the server: on the fields, a page-level summary, and a toast */
  function showErrors(error, fields, summary, labels) {
    for (const [name, message] of Object.entries(error.fieldErrors || {})) if (fields[name]) fields[name].setError(message);
    const items = Object.keys(error.fieldErrors || {}).map((n) => labels[n] || n).concat(error.pageErrors || []);
    summary.replaceChildren(h("div", { class: "pageLevelErrors" },
      h("h2", { text: "We hit a snag." }),
      items.length ? h("p", { text: "Review the following fields" }) : null,
      h("ul", {}, items.map((t) => h("li", { text: t })))));
    toast({ variant: "error", title: "Error", message: error.message || text("reviewErrors") });
  }
  function clearErrors(fields, summary) {
    for (const f of Object.values(fields)) if (f && f.clearError) f.clearError();
    summary.replaceChildren();
  }

  /* ---------------------------------------------------------------------------------- App Manager */
  route(/^\/lightning\/setup\/NavigationMenus\/home$/, async (root) => {
    const table = h("lightning-datatable", {
      ariaLabel: "Apps", emptyText: "No apps to display.",
      columns: [
        { label: "App Name", fieldName: "name" },
        { label: "Developer Name", fieldName: "developerName" },
        { label: "Description", fieldName: "description" },
        { label: "Last Modified Date", fieldName: "lastModified" },
        { label: "App Type", fieldName: "appType" },
        { label: "Visible in Lightning Experience", fieldName: "lightning", type: "boolean" },
        { type: "actions", rowActions: (row) => row.kind === "connected_app"
          ? [{ label: "View", value: "ca-view" }, { label: "Edit", value: "ca-edit" }, { label: "Manage", value: "ca-manage" }]
          : row.id
          ? [{ label: "View", value: "view" }, { label: "Edit Settings", value: "edit-settings" }, { label: "Edit Policies", value: "edit-policies" }]
          : [{ label: "Edit", value: "edit-lightning" }] },
      ],
      onrowaction: (e) => rowAction(e.detail.action, e.detail.row),
    });
    root.append(pageHeader("SETUP", "Lightning Experience App Manager",
      button("New Lightning App", () => toast({ variant: "info", message: text("noAppBuilder") })),
      // the classic "New Connected App": only while the org setting allows it (off by default since Spring '26)
      window.LX.SIM.connectedAppsAllowed ? button("New Connected App", () => location.assign(CONNECTED_APP_NEW)) : null,
      button("New External Client App", () => navigate(BASE + "/new"))),
    h("div", { class: "slds-card" }, table));
    const data = await busy(root, aura("appManager.list", {}));
    table.rows = data.rows;
  }, { title: "Lightning Experience App Manager" });

  function rowAction(action, row) {
    // classic Connected App pages are whole page loads (an iframe inside Lightning), not single-page routes
    if (action.startsWith("ca-")) { location.assign({ "ca-view": row.viewUrl, "ca-edit": row.editUrl, "ca-manage": row.manageUrl }[action]); return; }
    if (action === "view") navigate(`${BASE}/${row.id}/detail`);
    else if (action === "edit-settings") navigate(`${BASE}/${row.id}/editSettings`);
    else if (action === "edit-policies") navigate(`${BASE}/${row.id}/editPolicies`);
    else toast({ variant: "info", message: text("noAppBuilder") });
  }

  /* ---------------------------------------------------------------------- External Client App Manager */
  route(/^\/lightning\/setup\/ManageExternalClientApplication\/home$/, async (root) => {
    const table = h("lightning-datatable", {
      ariaLabel: "External Client Apps", emptyText: "No External Client Apps to display.",
      columns: [
        { label: "External Client App Name", fieldName: "name", type: "url", urlField: "url" },
        { label: "API Name", fieldName: "apiName" },
        { label: "Distribution State", fieldName: "distributionState" },
        { label: "Created Date", fieldName: "createdDate" },
        { type: "actions", rowActions: () => [{ label: "Edit Settings", value: "edit-settings" }, { label: "Edit Policies", value: "edit-policies" }] },
      ],
      onrowaction: (e) => rowAction(e.detail.action, e.detail.row),
    });
    root.append(pageHeader("SETUP", "External Client App Manager", button("New External Client App", () => navigate(BASE + "/new"))),
      h("div", { class: "slds-card" }, table));
    const data = await busy(root, aura("eca.list", {}));
    table.rows = data.rows.map((r) => ({ ...r, url: `${BASE}/${r.id}/detail` }));
  }, { title: "External Client App Manager" });

  /* -------------------------------------------------------------- Settings form (New and Edit Settings) */
  const SETTINGS_LABELS = {
    name: "External Client App Name", api_name: "API Name", contact_email: "Contact Email", distribution_state: "Distribution State",
    info_url: "Info URL", logo_url: "Logo Image URL", icon_url: "Icon URL", description: "Description", callback_urls: "Callback URL",
    scopes: "OAuth Scopes", certificate: "Certificate",
  };

  function apiNameFrom(name) {
    let api = name.trim().replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
    if (/^[0-9]/.test(api)) api = "X" + api;
    return api;
  }

  function settingsForm(root, meta, app) {
    const editing = !!app;
    const s = app ? {
      name: app.name, api_name: app.api_name, contact_email: app.contact_email, distribution_state: app.distribution_state,
      info_url: app.info_url, logo_url: app.logo_url, icon_url: app.icon_url, description: app.description,
      oauth_enabled: app.oauth_enabled, callback_urls: app.callback_urls.join("\n"), scopes: app.scopes.slice(),
      client_credentials_enabled: app.client_credentials_enabled,
      auth_code_credentials_enabled: app.auth_code_credentials_enabled, jwt_enabled: app.jwt_enabled, certificate: null,
      require_secret_web_server: app.require_secret_web_server, require_secret_refresh: app.require_secret_refresh, pkce_required: app.pkce_required,
    } : {
      name: "", api_name: "", contact_email: "", distribution_state: "Local", info_url: "", logo_url: "", icon_url: "", description: "",
      oauth_enabled: false, callback_urls: "", scopes: [], client_credentials_enabled: false,
      auth_code_credentials_enabled: false, jwt_enabled: false, certificate: null,
      require_secret_web_server: true, require_secret_refresh: true, pkce_required: true,
    };
    // the form's other options (meta.formOptions, fields of the app): the app's values, or the defaults of a new app
    for (const o of meta.formOptions) s[o.name] = app ? !!app[o.name] : o.default;
    const moreOptions = (section) => meta.formOptions.filter((o) => o.section === section).map((o) => checkbox(o.name, o.label));
    const fields = {};
    let certificateRead = Promise.resolve();
    const input = (name, props) => (fields[name] = h("lightning-input", { label: SETTINGS_LABELS[name], name, value: s[name], ...props,
      onchange: (e) => { s[name] = e.detail.value; } }));
    const checkbox = (name, label, after) => (fields[name] = h("lightning-input", { type: "checkbox", label, name, checked: s[name],
      onchange: (e) => { s[name] = e.detail.checked; if (after) after(); } }));

    const nameInput = input("name", { required: true, maxLength: "80" });
    const apiInput = input("api_name", { required: true, readOnly: editing, maxLength: "80" });
    // the API name follows the name as it is typed, until someone edits the API name itself
    let apiNameTouched = editing;
    apiInput.addEventListener("change", () => { apiNameTouched = true; });
    nameInput.addEventListener("change", () => { if (!apiNameTouched) { s.api_name = apiNameFrom(s.name); apiInput.value = s.api_name; } });
    fields.distribution_state = h("lightning-combobox", { label: "Distribution State", name: "distribution_state", required: true,
      options: meta.distributionStates, value: s.distribution_state, disabled: editing, onchange: (e) => { s.distribution_state = e.detail.value; } });
    fields.description = h("lightning-textarea", { label: "Description", name: "description", value: s.description, onchange: (e) => { s.description = e.detail.value; } });

    const jwtBox = h("div", { class: "slds-p-left_large" });
    const drawJwt = () => {
      if (!s.jwt_enabled) { jwtBox.replaceChildren(); return; }
      fields.certificate = h("lightning-input", { type: "file", label: "Certificate", name: "certificate", accept: ".crt,.cer,.pem",
        fileHint: s.certificate_name || "",
        onchange: (e) => {
          const file = e.detail.files && e.detail.files[0];
          if (!file) return;
          s.certificate_name = file.name;
          certificateRead = file.text().then((t) => { s.certificate = t; });
        } });
      const current = app && app.certificate ? h("p", { class: "current-certificate", text: `Current certificate: ${app.certificate.subject} (expires ${app.certificate.expires})` }) : null;
      jwtBox.replaceChildren(fields.certificate, current || "");
    };
    const oauthBox = h("div", {});
    const drawOauth = () => {
      if (!s.oauth_enabled) { oauthBox.replaceChildren(); return; }
      fields.callback_urls = h("lightning-textarea", { label: "Callback URL", name: "callback_urls", required: true, value: s.callback_urls,
        placeholder: "https://example.com/callback (one per line)", onchange: (e) => { s.callback_urls = e.detail.value; } });
      fields.scopes = h("lightning-dual-listbox", { label: "OAuth Scopes", name: "scopes", required: true, options: meta.scopes, value: s.scopes,
        sourceLabel: "Available OAuth Scopes", selectedLabel: "Selected OAuth Scopes", onchange: (e) => { s.scopes = e.detail.value; } });
      oauthBox.replaceChildren(
        subTitle("App Settings"), fields.callback_urls, fields.scopes, ...moreOptions("App Settings"),
        subTitle("Flow Enablement"),
        // its Run As is not here: the Policies page has its own box and "Run As (Username)" (policiesForm)
        checkbox("client_credentials_enabled", "Enable Client Credentials Flow"),
        checkbox("auth_code_credentials_enabled", "Enable Authorization Code and Credentials Flow"),
        ...moreOptions("Flow Enablement"),
        checkbox("jwt_enabled", "Enable JWT Bearer Flow", drawJwt), jwtBox,
        subTitle("Security"),
        checkbox("require_secret_web_server", "Require secret for Web Server Flow"),
        checkbox("require_secret_refresh", "Require secret for Refresh Token Flow"),
        checkbox("pkce_required", "Require Proof Key for Code Exchange (PKCE) Extension for Supported Authorization Flows"),
        ...moreOptions("Security"));
      drawJwt();
    };
    drawOauth();

    const summary = h("div", { class: "page-errors", role: "alert" });
    const saveLabel = editing ? "Save" : "Create";
    const save = button(saveLabel, async () => {
      clearErrors(fields, summary);
      save.disabled = true;
      try {
        await certificateRead;
        const fieldsOut = { ...s };
        delete fieldsOut.certificate_name;
        const result = await busy(root, aura(editing ? "eca.updateSettings" : "eca.create", editing ? { id: app.id, fields: fieldsOut } : { fields: fieldsOut }));
        toast({ variant: "success", title: "Success", message: text(editing ? "changesSaved" : "ecaCreated", { name: result.name }) });
        navigate(`${BASE}/${result.id}/detail`);
      } catch (e) {
        if (e instanceof AuraError && e.status === 200) showErrors(e, fields, summary, SETTINGS_LABELS);
      } finally { save.disabled = false; }
    }, "brand");
    const cancel = button("Cancel", () => navigate(editing ? `${BASE}/${app.id}/detail` : BASE + "/home"));

    return h("div", { class: "slds-card eca-settings-form" }, summary,
      sectionTitle("Basic Information"),
      h("div", { class: "slds-grid" },
        h("div", { class: "slds-col" }, nameInput, apiInput, input("contact_email", { required: true, type: "email" }), fields.distribution_state),
        h("div", { class: "slds-col" }, input("info_url", { type: "url" }), input("logo_url", { type: "url" }), input("icon_url", { type: "url" }), fields.description)),
      // a collapsible section; some orgs show it collapsed on New and on Edit Settings (meta.collapsedSections)
      expandableSection({ title: "API (Enable OAuth Settings)", open: !meta.collapsedSections },
        checkbox("oauth_enabled", "Enable OAuth", drawOauth), oauthBox),
      h("div", { class: "button-bar" }, cancel, save));
  }

  route(/^\/lightning\/setup\/ManageExternalClientApplication\/new$/, async (root) => {
    root.append(pageHeader("SETUP > EXTERNAL CLIENT APP MANAGER", "New External Client App"));
    const meta = await busy(root, aura("eca.meta", {}));
    root.append(settingsForm(root, meta, null));
  }, { title: "New External Client App" });

  /* -------------------------------------------------------------------------------- Settings (read) */
  function settingsView(app, meta) {
    const more = (section) => meta.formOptions.filter((o) => o.section === section).map((o) => yesNo(o.label, app[o.name]));
    const oauth = app.oauth_enabled ? [
      subTitle("App Settings"),
      readonly("Callback URL", app.callback_urls),
      readonly("OAuth Scopes", app.scopeLabels), ...more("App Settings"),
      h("div", { class: "slds-form-element" }, h("lightning-button", { label: "Consumer Key and Secret",
        onclick: () => window.open(`${BASE}/${app.id}/consumerDetails`, "_blank") })),
      subTitle("Flow Enablement"),
      yesNo("Enable Client Credentials Flow", app.client_credentials_enabled),
      yesNo("Enable Authorization Code and Credentials Flow", app.auth_code_credentials_enabled),
      ...more("Flow Enablement"),
      yesNo("Enable JWT Bearer Flow", app.jwt_enabled),
      app.certificate ? readonly("Certificate", `${app.certificate.subject} (expires ${app.certificate.expires})`) : null,
      subTitle("Security"),
      yesNo("Require secret for Web Server Flow", app.require_secret_web_server),
      yesNo("Require secret for Refresh Token Flow", app.require_secret_refresh),
      yesNo("Require Proof Key for Code Exchange (PKCE) Extension for Supported Authorization Flows", app.pkce_required),
      ...more("Security"),
    ] : [h("p", { text: "OAuth isn't enabled for this app." })];
    return [
      h("div", { class: "tab-actions" }, button("Edit", () => navigate(`${BASE}/${app.id}/editSettings`))),
      sectionTitle("Basic Information"),
      h("div", { class: "slds-grid" },
        h("div", { class: "slds-col" }, readonly("External Client App Name", app.name), readonly("API Name", app.api_name),
          readonly("Contact Email", app.contact_email), readonly("Distribution State", app.distribution_state)),
        h("div", { class: "slds-col" }, readonly("Info URL", app.info_url), readonly("Logo Image URL", app.logo_url),
          readonly("Icon URL", app.icon_url), readonly("Description", app.description))),
      sectionTitle("OAuth Settings"), ...oauth,
    ];
  }

  /* ------------------------------------------------------------------------------- Policies (read/edit) */
  const labelOf = (options, value) => (options.find((o) => o.value === value) || { label: value || "" }).label;

  /* the policies as the page shows them: with the org's idle refresh-token limit on, "valid until revoked" is not
     offered and an app that has it shows "if not used for" the limit (the stored metadata is not changed) */
  function shownPolicies(app, meta) {
    const p = { ...app.policies };
    if (meta.idleRefreshTokenLimit.on && p.refresh_token_policy === "Infinite") {
      Object.assign(p, { refresh_token_policy: "SpecificInactivity", refresh_token_period: meta.idleRefreshTokenLimit.days, refresh_token_unit: "Days" });
    }
    return p;
  }

  function policiesView(app, meta) {
    const p = shownPolicies(app, meta);
    const permsetLabel = (name) => (meta.permissionSets.find((x) => x.value === name) || { label: name }).label;
    const period = p.refresh_token_period ? ` ${p.refresh_token_period} ${labelOf(meta.refreshTokenUnits, p.refresh_token_unit)}` : "";
    return [
      h("div", { class: "tab-actions" }, button("Edit", () => navigate(`${BASE}/${app.id}/editPolicies`))),
      sectionTitle("OAuth Policies"),
      subTitle("Plugin Policies"), readonly("Permitted Users", labelOf(meta.permittedUsers, p.permitted_users)),
      subTitle("App Policies"), readonly("Selected Profiles", p.profiles), readonly("Selected Permission Sets", p.permission_sets.map(permsetLabel)),
      subTitle("OAuth Flows and External Client App Enhancements"),
      yesNo("Enable Client Credentials Flow", !!app.client_credentials_user),
      app.client_credentials_user ? readonly("Run As (Username)", app.client_credentials_user) : null,
      subTitle("App Authorization"), readonly("Refresh Token Policy", labelOf(meta.refreshTokenPolicies, p.refresh_token_policy) + period),
      readonly("IP Relaxation", labelOf(meta.ipRelaxation, p.ip_relaxation)),
      readonly("Session Timeout in Minutes", p.session_timeout_minutes ? String(p.session_timeout_minutes) : ""),
    ];
  }

  const POLICY_LABELS = {
    permitted_users: "Permitted Users", profiles: "Select Profiles", permission_sets: "Select Permission Sets",
    client_credentials_user: "Run As (Username)",
    refresh_token_policy: "Refresh Token Policy", refresh_token_period: "Refresh Token Validity Period",
    refresh_token_unit: "Refresh Token Validity Unit", ip_relaxation: "IP Relaxation", session_timeout: "Session Timeout in Minutes",
  };

  /* Edit Policies: everything sits in the collapsible "OAuth Policies" section (collapsed at first in some orgs) */
  function policiesForm(root, app, meta) {
    const p = shownPolicies(app, meta);
    const s = {
      permitted_users: p.permitted_users, profiles: p.profiles.slice(), permission_sets: p.permission_sets.slice(),
      client_credentials_enabled: !!app.client_credentials_user, client_credentials_user: app.client_credentials_user || "",
      refresh_token_policy: p.refresh_token_policy, refresh_token_period: p.refresh_token_period ? String(p.refresh_token_period) : "",
      refresh_token_unit: p.refresh_token_unit || "Days", ip_relaxation: p.ip_relaxation,
      session_timeout: p.session_timeout_minutes ? String(p.session_timeout_minutes) : "",
    };
    const fields = {};
    const combo = (name, options) => (fields[name] = h("lightning-combobox", { label: POLICY_LABELS[name], name, options, value: s[name],
      onchange: (e) => { s[name] = e.detail.value; } }));
    const dual = (name, options, noun) => (fields[name] = h("lightning-dual-listbox", { label: POLICY_LABELS[name], name, options, value: s[name],
      sourceLabel: "Available " + noun, selectedLabel: "Selected " + noun, onchange: (e) => { s[name] = e.detail.value; } }));

    // changing who may use the app asks for confirmation first, like the Connected App page's JS confirm
    fields.permitted_users = h("lightning-combobox", { label: "Permitted Users", name: "permitted_users", options: meta.permittedUsers, value: s.permitted_users,
      onchange: async (e) => {
        const previous = s.permitted_users;
        const ok = await confirmModal({ title: "Change Permitted Users",
          body: "Changing the Permitted Users policy changes who can access this app. Users who are no longer permitted lose access the next time they use it. Do you want to continue?" });
        if (ok) s.permitted_users = e.detail.value; else fields.permitted_users.value = previous;
      } });

    // the Policies page's own client credentials box: turning it on asks for confirmation, then shows Run As
    const ccBox = h("div", { class: "slds-p-left_large" });
    const drawCc = () => ccBox.replaceChildren(...(s.client_credentials_enabled ? [(fields.client_credentials_user = h("lightning-input", {
      label: POLICY_LABELS.client_credentials_user, name: "client_credentials_user", value: s.client_credentials_user, required: true,
      onchange: (e) => { s.client_credentials_user = e.detail.value; } }))] : []));
    fields.client_credentials_enabled = h("lightning-input", { type: "checkbox", label: "Enable Client Credentials Flow", name: "client_credentials_enabled",
      checked: s.client_credentials_enabled,
      onchange: async (e) => {
        const box = fields.client_credentials_enabled;
        if (e.detail.checked) {
          box.checked = false;  // on only once confirmed
          if (!(await confirmModal({ title: "Enable Client Credentials Flow", body: text("clientCredentialsConfirm") }))) return;
          box.checked = true;
        }
        s.client_credentials_enabled = box.checked;
        drawCc();
      } });
    drawCc();

    const periodBox = h("div", { class: "slds-p-left_large refresh-period" });
    const drawPeriod = () => periodBox.replaceChildren(...(["SpecificLifetime", "SpecificInactivity"].includes(s.refresh_token_policy) ? [
      (fields.refresh_token_period = h("lightning-input", { type: "number", label: POLICY_LABELS.refresh_token_period, name: "refresh_token_period",
        value: s.refresh_token_period, required: true, onchange: (e) => { s.refresh_token_period = e.detail.value; } })),
      combo("refresh_token_unit", meta.refreshTokenUnits)] : []));
    fields.refresh_token_policy = h("lightning-radio-group", { label: "Refresh Token Policy", name: "refresh_token_policy",
      options: meta.refreshTokenPolicies, value: s.refresh_token_policy,
      onchange: (e) => { s.refresh_token_policy = e.detail.value; drawPeriod(); } });
    drawPeriod();
    // a number of minutes on External Client Apps (not the Connected App's picklist); empty: the org's default
    fields.session_timeout = h("lightning-input", { type: "number", label: POLICY_LABELS.session_timeout, name: "session_timeout",
      value: s.session_timeout, onchange: (e) => { s.session_timeout = e.detail.value; } });

    const summary = h("div", { class: "page-errors", role: "alert" });
    const section = expandableSection({ title: "OAuth Policies", open: !meta.collapsedSections },
      subTitle("Plugin Policies"), fields.permitted_users,
      subTitle("App Policies"), dual("profiles", meta.profiles, "Profiles"), dual("permission_sets", meta.permissionSets, "Permission Sets"),
      subTitle("OAuth Flows and External Client App Enhancements"), fields.client_credentials_enabled, ccBox,
      subTitle("App Authorization"), fields.refresh_token_policy, periodBox, combo("ip_relaxation", meta.ipRelaxation),
      fields.session_timeout);
    const save = button("Save", async () => {
      clearErrors(fields, summary);
      save.disabled = true;
      try {
        const result = await busy(root, aura("eca.updatePolicies", { id: app.id, fields: { ...s } }));
        toast({ variant: "success", title: "Success", message: text("changesSaved", { name: result.name }) });
        navigate(`${BASE}/${app.id}/detail?tab=policies`);
      } catch (e) {
        if (e instanceof AuraError && e.status === 200) showErrors(e, fields, summary, POLICY_LABELS);
      } finally { save.disabled = false; }
    }, "brand");
    return [summary, section,
      h("div", { class: "button-bar" }, button("Cancel", () => navigate(`${BASE}/${app.id}/detail?tab=policies`)), save)];
  }

  /* ------------------------------------------------------------------------------------ app page */
  route(/^\/lightning\/setup\/ManageExternalClientApplication\/(0xI[A-Za-z0-9]{12,15})\/(detail|view|editSettings|editPolicies)$/, async (root, m, query) => {
    const [, id, mode] = m;
    const data = await busy(root, aura("eca.get", { id }));
    const app = data.app, meta = data.meta;
    document.title = app.name + " | External Client App Manager | Salesforce";
    const settingsTab = h("lightning-tab", { label: "Settings", value: "settings",
      renderContent: (tab) => tab.append(...(mode === "editSettings" ? [settingsForm(root, meta, app)] : settingsView(app, meta)).filter(Boolean)) });
    const policiesTab = h("lightning-tab", { label: "Policies", value: "policies",
      renderContent: (tab) => tab.append(...(mode === "editPolicies" ? policiesForm(root, app, meta) : policiesView(app, meta)).filter(Boolean)) });
    const active = mode === "editPolicies" || query.get("tab") === "policies" ? "policies" : "settings";
    root.append(
      h("ol", { class: "slds-breadcrumb", "aria-label": "Breadcrumbs" }, h("li", {}, h("a", { href: BASE + "/home", text: "External Client App Manager" }))),
      pageHeader("EXTERNAL CLIENT APP", app.name),
      h("div", { class: "slds-card" }, h("lightning-tabset", { activeTabValue: active }, settingsTab, policiesTab)));
  }, { title: "External Client App Manager" });

  /* ------------------------------------------------------------------ Consumer Key and Secret (new tab) */
  route(/^\/lightning\/setup\/ManageExternalClientApplication\/(0xI[A-Za-z0-9]{12,15})\/consumerDetails$/, async (root, m) => {
    const id = m[1];
    const card = h("div", { class: "verify-card" });
    root.append(card);
    const first = await busy(root, aura("consumer.start", { id }));
    if (first.verified) showDetails(card, first); else showVerify(root, card, id, first);
  }, { title: "Verify Your Identity", noNav: true });

  /* the prompt names the method Salesforce uses: the authenticator app (its code; nothing is sent), SMS or email */
  function showVerify(root, card, id, info) {
    document.title = "Verify Your Identity | Salesforce";
    const name = { totp: "tc", sms: "smc" }[info.method] || "emc";
    const prompt = info.method === "totp" ? text("totpPrompt")
      : info.method === "sms" ? text("smsPrompt", { phone: info.phone }) : text("emailPrompt", { email: info.email });
    const code = h("lightning-input", { label: "Verification Code", name, maxLength: "6", inputMode: "numeric", autocomplete: "one-time-code", required: true });
    const verify = button("Verify", async () => {
      code.clearError();
      verify.disabled = true;
      try {
        const details = await busy(root, aura("consumer.verify", { id, code: code.value }));
        showDetails(card, details);
      } catch (e) {
        if (e instanceof AuraError && e.status === 200) code.setError((e.fieldErrors && e.fieldErrors.code) || e.message);
      } finally { verify.disabled = false; }
    }, "brand");
    const resend = info.method === "totp" ? null : h("button", { type: "button", class: "slds-button slds-button_reset", text: "Resend Code",
      onclick: async () => {
        try {
          const again = await busy(root, aura("consumer.resend", { id }));
          toast({ variant: "success", message: text("codeResent", { email: again.email || again.phone }) });
        } catch (e) { if (e instanceof AuraError && e.status === 200) toast({ variant: "error", message: e.message }); }
      } });
    card.replaceChildren(
      h("h1", { class: "slds-text-heading_medium", text: "Verify Your Identity" }),
      h("p", { text: text("verifyLead", { app: info.appName }) }),
      h("p", { text: prompt }),
      code, h("div", { class: "slds-form-element" }, verify), resend);
    code.focus();
  }

  function showDetails(card, details) {
    document.title = "Consumer Details | Salesforce";
    const row = (label, value) => {
      const id = uid("consumer-label");
      return h("div", { class: "slds-form-element slds-form-element_readonly", role: "group", "aria-labelledby": id },
        h("span", { class: "slds-form-element__label", id, text: label }),
        h("div", { class: "slds-form-element__control" }, h("lightning-formatted-text", { class: "consumer-value", value }),
          h("lightning-button", { label: "Copy", onclick: () => navigator.clipboard.writeText(value).then(
            () => toast({ variant: "success", message: text("copied", { label }) }),
            () => toast({ variant: "error", message: text("copyFailed") })) })));
    };
    card.replaceChildren(
      h("h1", { class: "slds-text-heading_medium", text: "Consumer Details" }),
      h("p", { text: details.appName }),
      row("Consumer Key", details.consumerKey), row("Consumer Secret", details.consumerSecret));
  }

  /* ------------------------------------------------------------------------ External Client App Settings */
  route(/^\/lightning\/setup\/ExternalClientApplicationSettings\/home$/, async (root) => {
    root.append(pageHeader("SETUP", "External Client App Settings"), h("div", { class: "slds-card" },
      yesNo("Allow creation of connected apps", window.LX.SIM.connectedAppsAllowed),
      yesNo("Allow access to External Client App consumer secrets via REST API", false)));
  }, { title: "External Client App Settings" });

  /* Connected Apps are classic pages the server serves inside Lightning: reached from a single-page link, load them */
  route(/^\/lightning\/setup\/ConnectedApplication\/.*$/, () => location.reload());

  window.LX.start();
})();
