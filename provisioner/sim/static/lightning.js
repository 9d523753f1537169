/* The simulated Lightning runtime: base components (custom elements with OPEN shadow roots), the /aura client,
   toasts, modals, spinners and the Setup shell (header, Quick Find, navigation tree, client-side routing).
   Pages (setup-eca.js) build on window.LX. Every render draws fresh random element ids, as LWC does. */
(function () {
  "use strict";
  const SIM = window.$SIM || {};
  /* Salesforce's texts come from the server (sim/messages.py); {name} is filled from `values` */
  function text(key, values = {}) {
    return ((SIM.messages || {})[key] || key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
  }
  const sheet = new CSSStyleSheet();
  let auraCounter = 0;

  const uid = (prefix) => prefix + "-" + Math.floor(Math.random() * 1e6);

  /* h("div", {class: "x", onclick: fn, text: "..."}, children...): custom elements get properties, others attributes */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    const custom = tag.includes("-");
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null) continue;
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = value;
      else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2).toLowerCase(), value);
      else if (key === "attrs") for (const [a, v] of Object.entries(value)) el.setAttribute(a, v);
      else if (custom) el[key] = value;
      else if (value === true) el.setAttribute(key, "");
      else if (value !== false) el.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  /* component events go to listeners on the component itself (like LWC events without bubbles) */
  function fire(el, name, detail) {
    el.dispatchEvent(new CustomEvent(name, { detail }));
  }

  /* ---------------------------------------------------------------------------------------------- */
  class Base extends HTMLElement {
    constructor() {
      super();
      this.attachShadow({ mode: "open" });
      this.shadowRoot.adoptedStyleSheets = [sheet];
      this._error = "";
    }
    connectedCallback() { this.render(); }
    rerender() { if (this.isConnected) this.render(); }
    draw(...nodes) { this.shadowRoot.replaceChildren(...nodes); }
    get label() { return this._label || this.getAttribute("label") || ""; }
    set label(v) { this._label = v; this.rerender(); }
    /* field-level error: .slds-has-error, aria-invalid and a help text, like lightning-input's setCustomValidity + reportValidity */
    setError(message) { this._error = message || ""; this.rerender(); }
    clearError() { this.setError(""); }
    labelNode(forId, extra) {
      return h("label", { class: "slds-form-element__label", for: forId, id: extra },
        this.required ? h("abbr", { class: "slds-required", title: "required", text: "*" }) : null, this.label);
    }
    helpNode(helpId) {
      return this._error ? h("div", { class: "slds-form-element__help", id: helpId, text: this._error }) : null;
    }
    wrap(...children) {
      return h("div", { class: "slds-form-element" + (this._error ? " slds-has-error" : "") }, ...children);
    }
    markInvalid(control, helpId) {
      if (this._error) { control.setAttribute("aria-invalid", "true"); control.setAttribute("aria-describedby", helpId); }
    }
  }

  /* lightning-input: text, email, url, number, search, checkbox, file */
  class LightningInput extends Base {
    constructor() { super(); this.type = "text"; this._value = ""; this._checked = false; this.files = null; }
    get value() { return this._value; }
    set value(v) { this._value = v == null ? "" : String(v); const i = this.shadowRoot.querySelector("input"); if (i && i.type !== "file" && i.type !== "checkbox") i.value = this._value; }
    get checked() { return this._checked; }
    set checked(v) { this._checked = !!v; const i = this.shadowRoot.querySelector("input"); if (i && i.type === "checkbox") i.checked = this._checked; }
    focus() { const i = this.shadowRoot.querySelector("input"); if (i) i.focus(); }
    render() {
      const id = uid("input"), helpId = uid("help-message");
      if (this.type === "checkbox") return this.renderCheckbox(id, helpId);
      if (this.type === "file") return this.renderFile(id, helpId);
      const input = h("input", {
        class: "slds-input", id, type: this.type, name: this.name, placeholder: this.placeholder,
        maxlength: this.maxLength, required: !!this.required, readonly: !!this.readOnly, disabled: !!this.disabled,
        autocomplete: this.autocomplete || "off", inputmode: this.inputMode,
      });
      input.value = this._value;
      input.addEventListener("input", () => { this._value = input.value; fire(this, "change", { value: input.value }); });
      input.addEventListener("change", () => fire(this, "commit", { value: input.value }));
      this.markInvalid(input, helpId);
      this.draw(this.wrap(this.variant === "label-hidden" ? h("label", { class: "slds-assistive-text", for: id, text: this.label }) : this.labelNode(id),
        h("div", { class: "slds-form-element__control" }, input), this.helpNode(helpId)));
    }
    renderCheckbox(id, helpId) {
      const input = h("input", { type: "checkbox", id, name: this.name, disabled: !!this.disabled });
      input.checked = this._checked;
      input.addEventListener("change", () => { this._checked = input.checked; fire(this, "change", { checked: input.checked }); });
      this.markInvalid(input, helpId);
      this.draw(this.wrap(h("div", { class: "slds-form-element__control" }, h("div", { class: "slds-checkbox" }, input,
        h("label", { class: "slds-checkbox__label", for: id }, h("span", { class: "slds-checkbox_faux" }),
          h("span", { class: "slds-form-element__label", text: this.label })))), this.helpNode(helpId)));
    }
    renderFile(id, helpId) {
      const input = h("input", { type: "file", id, name: this.name, accept: this.accept, disabled: !!this.disabled });
      const fileName = h("span", { class: "file-name", text: this.files && this.files[0] ? this.files[0].name : (this.fileHint || "") });
      input.addEventListener("change", () => {
        this.files = input.files;
        fileName.textContent = input.files[0] ? input.files[0].name : "";
        fire(this, "change", { files: input.files });
      });
      this.markInvalid(input, helpId);
      // like lightning-input type=file: the field label, then a button-styled label "Upload Files" for the hidden input
      this.draw(this.wrap(h("span", { class: "slds-form-element__label", text: this.label }),
        h("div", { class: "slds-form-element__control file-selector" }, input,
          h("label", { class: "slds-file-selector__button", for: id, text: "Upload Files" }),
          h("span", { text: "Or drop files" }), fileName), this.helpNode(helpId)));
    }
  }

  class LightningTextarea extends Base {
    constructor() { super(); this._value = ""; }
    get value() { return this._value; }
    set value(v) { this._value = v == null ? "" : String(v); const t = this.shadowRoot.querySelector("textarea"); if (t) t.value = this._value; }
    render() {
      const id = uid("textarea"), helpId = uid("help-message");
      const area = h("textarea", { class: "slds-textarea", id, name: this.name, placeholder: this.placeholder, required: !!this.required });
      area.value = this._value;
      area.addEventListener("input", () => { this._value = area.value; fire(this, "change", { value: area.value }); });
      this.markInvalid(area, helpId);
      this.draw(this.wrap(this.labelNode(id), h("div", { class: "slds-form-element__control" }, area), this.helpNode(helpId)));
    }
  }

  /* lightning-combobox: a button with role=combobox that opens a listbox of role=option items (not a native select) */
  class LightningCombobox extends Base {
    constructor() { super(); this._value = ""; this.options = []; this.open = false; this._outside = (e) => { if (this.open && !e.composedPath().includes(this)) this.toggle(false); }; }
    get value() { return this._value; }
    set value(v) { this._value = v == null ? "" : String(v); this.rerender(); }
    connectedCallback() { document.addEventListener("click", this._outside, true); this.render(); }
    disconnectedCallback() { document.removeEventListener("click", this._outside, true); }
    toggle(open) { this.open = open; this.rerender(); if (open) { const s = this.shadowRoot.querySelector('[aria-selected="true"]') || this.shadowRoot.querySelector("[role=option]"); if (s) s.scrollIntoView({ block: "nearest" }); } }
    select(value) {
      this.open = false;
      const changed = value !== this._value;
      this._value = value;
      this.render();
      this.shadowRoot.querySelector("button").focus();
      if (changed) fire(this, "change", { value });
    }
    render() {
      const labelId = uid("combobox-label"), id = uid("combobox-button"), listId = uid("dropdown-element"), helpId = uid("help-message");
      const current = this.options.find((o) => o.value === this._value);
      const button = h("button", {
        type: "button", class: "slds-combobox__input", id, role: "combobox", "aria-expanded": this.open ? "true" : "false",
        "aria-haspopup": "listbox", "aria-controls": listId, name: this.name, disabled: !!this.disabled,
        "data-value": this._value,
      }, h("span", { class: "slds-truncate", text: current ? current.label : (this.placeholder || "Select an Option") }));
      button.addEventListener("click", () => this.toggle(!this.open));
      button.addEventListener("keydown", (e) => {
        if (e.key === "Escape") this.toggle(false);
        if (e.key === "ArrowDown" || e.key === "Enter" || e.key === " ") { e.preventDefault(); this.toggle(true); }
      });
      this.markInvalid(button, helpId);
      const list = h("div", { id: listId, role: "listbox", class: "slds-dropdown", "aria-labelledby": labelId, hidden: !this.open },
        this.options.map((o) => h("div", {
          role: "option", class: "slds-listbox__option", "aria-selected": o.value === this._value ? "true" : "false",
          "data-value": o.value, onclick: (e) => { e.stopPropagation(); this.select(o.value); },
        }, h("span", { class: "slds-truncate", title: o.label, text: o.label }))));
      this.draw(this.wrap(this.labelNode(id, labelId),
        h("div", { class: "slds-form-element__control" }, h("div", { class: "slds-combobox_container" },
          h("div", { class: "slds-combobox slds-dropdown-trigger" + (this.open ? " slds-is-open" : "") }, button, list))),
        this.helpNode(helpId)));
    }
  }

  class LightningRadioGroup extends Base {
    constructor() { super(); this._value = ""; this.options = []; }
    get value() { return this._value; }
    set value(v) { this._value = v == null ? "" : String(v); this.rerender(); }
    render() {
      const name = uid("radio-group"), legendId = uid("legend"), helpId = uid("help-message");
      const rows = this.options.map((o) => {
        const id = uid("radio");
        const input = h("input", { type: "radio", id, name, value: o.value, disabled: !!this.disabled });
        input.checked = o.value === this._value;
        input.addEventListener("change", () => { if (input.checked) { this._value = o.value; fire(this, "change", { value: o.value }); } });
        return h("div", { class: "slds-radio-row" }, h("span", { class: "slds-radio" }, input,
          h("label", { class: "slds-radio__label", for: id }, h("span", { class: "slds-radio_faux" }),
            h("span", { class: "slds-form-element__label", text: o.label }))));
      });
      const fs = h("fieldset", { class: "slds-form-element" + (this._error ? " slds-has-error" : ""), role: "radiogroup", "aria-labelledby": legendId },
        h("legend", { class: "slds-form-element__legend slds-form-element__label", id: legendId },
          this.required ? h("abbr", { class: "slds-required", title: "required", text: "*" }) : null, this.label),
        h("div", { class: "slds-form-element__control" }, rows), this.helpNode(helpId));
      this.draw(fs);
    }
  }

  /* lightning-dual-listbox: Available / Selected lists of role=option items and the two move buttons */
  class LightningDualListbox extends Base {
    constructor() { super(); this.options = []; this._value = []; this.highlight = new Set(); this.anchor = null; }
    get value() { return this._value.slice(); }
    set value(v) { this._value = Array.isArray(v) ? v.slice() : []; this.rerender(); }
    move(toSelected) {
      const picked = this.options.filter((o) => this.highlight.has(o.value) && this._value.includes(o.value) !== toSelected).map((o) => o.value);
      if (!picked.length) return;
      this._value = toSelected ? this._value.concat(picked) : this._value.filter((v) => !picked.includes(v));
      this.render();
      fire(this, "change", { value: this.value });
    }
    pick(value, list, e) {
      if (e.shiftKey && this.anchor !== null && list.includes(this.anchor)) {
        const [a, b] = [list.indexOf(this.anchor), list.indexOf(value)].sort((x, y) => x - y);
        this.highlight = new Set(list.slice(a, b + 1));
      } else if (e.ctrlKey || e.metaKey) {
        // highlights live in one list at a time
        for (const v of [...this.highlight]) if (!list.includes(v)) this.highlight.delete(v);
        if (this.highlight.has(value)) this.highlight.delete(value); else this.highlight.add(value);
        this.anchor = value;
      } else { this.highlight = new Set([value]); this.anchor = value; }
      this.render();
      const el = this.shadowRoot.querySelector(`[role=option][data-value="${CSS.escape(value)}"]`);
      if (el) el.focus();
    }
    column(labelText, values, selectedSide) {
      const labelId = uid("list-label");
      return h("div", { class: "slds-dueling-list__column" },
        h("span", { class: "slds-form-element__label", id: labelId, text: labelText }),
        h("div", { class: "slds-dueling-list__options" },
          h("ul", { role: "listbox", "aria-labelledby": labelId, "aria-multiselectable": "true", tabindex: "0" },
            values.map((v) => {
              const o = this.options.find((x) => x.value === v) || { label: v, value: v };
              return h("li", { role: "presentation" }, h("div", {
                role: "option", tabindex: "-1", "aria-selected": this.highlight.has(v) ? "true" : "false", "data-value": v,
                onclick: (e) => this.pick(v, values, e),
                ondblclick: () => { this.highlight = new Set([v]); this.move(!selectedSide); },
              }, h("span", { text: o.label })));
            }))));
    }
    render() {
      const groupLabelId = uid("group-label"), helpId = uid("help-message");
      const available = this.options.map((o) => o.value).filter((v) => !this._value.includes(v));
      const moveButton = (text, toSelected) => h("button", {
        type: "button", class: "slds-button slds-button_icon slds-button_icon-container", title: text,
        onclick: () => this.move(toSelected),
      }, h("span", { "aria-hidden": "true", text: toSelected ? "\u25B6" : "\u25C0" }), h("span", { class: "slds-assistive-text", text }));
      const group = h("div", { class: "slds-form-element" + (this._error ? " slds-has-error" : ""), role: "group", "aria-labelledby": groupLabelId },
        h("span", { class: "slds-form-element__label slds-form-element__legend", id: groupLabelId },
          this.required ? h("abbr", { class: "slds-required", title: "required", text: "*" }) : null, this.label),
        h("div", { class: "slds-form-element__control" }, h("div", { class: "slds-dueling-list" },
          this.column(this.sourceLabel || "Available", available, false),
          h("div", { class: "slds-dueling-list__column" }, moveButton("Move selection to " + (this.selectedLabel || "Selected"), true),
            moveButton("Move selection to " + (this.sourceLabel || "Available"), false)),
          this.column(this.selectedLabel || "Selected", this._value, true))),
        this.helpNode(helpId));
      if (this._error) group.setAttribute("aria-describedby", helpId);
      this.draw(group);
    }
  }

  class LightningButton extends Base {
    render() {
      const variant = this.variant ? " slds-button_" + this.variant : " slds-button_neutral";
      this.draw(h("button", { type: "button", class: "slds-button" + variant, disabled: !!this.disabled, title: this.title || null, text: this.label }));
    }
    get disabled() { return this._disabled; }
    set disabled(v) { this._disabled = !!v; this.rerender(); }
  }

  /* lightning-button-menu: "Show actions" button opening a role=menu of role=menuitem entries; fires "select" */
  class LightningButtonMenu extends Base {
    constructor() { super(); this.items = []; this.open = false; this._outside = (e) => { if (this.open && !e.composedPath().includes(this)) { this.open = false; this.render(); } }; }
    connectedCallback() { document.addEventListener("click", this._outside, true); this.render(); }
    disconnectedCallback() { document.removeEventListener("click", this._outside, true); }
    render() {
      const menuId = uid("menu");
      const button = h("button", { type: "button", class: "slds-button slds-button_icon slds-button_icon-border-filled", "aria-haspopup": "true",
        "aria-expanded": this.open ? "true" : "false", title: this.alternativeText || "Show actions",
        onclick: () => { this.open = !this.open; this.render(); } },
      h("span", { "aria-hidden": "true", text: "\u25BE" }), h("span", { class: "slds-assistive-text", text: this.alternativeText || "Show actions" }));
      const menu = h("div", { class: "slds-dropdown slds-dropdown_right", hidden: !this.open },
        h("ul", { role: "menu", id: menuId, class: "slds-dropdown__list" }, this.items.map((it) => h("li", { class: "slds-dropdown__item", role: "presentation" },
          h("a", { role: "menuitem", href: "javascript:void(0)", tabindex: "0", text: it.label,
            onclick: (e) => { e.preventDefault(); this.open = false; this.render(); fire(this, "select", { value: it.value }); } })))));
      this.draw(h("div", { class: "row-menu slds-dropdown-trigger" }, button, menu));
    }
  }

  /* lightning-datatable: a role=grid table; columns [{label, fieldName, type: text|url|actions, urlField}], fires "rowaction" */
  class LightningDatatable extends Base {
    constructor() { super(); this.columns = []; this.data = []; }
    set rows(v) { this.data = v || []; this.rerender(); }
    render() {
      const head = h("thead", {}, h("tr", { class: "slds-line-height_reset" }, this.columns.map((c) =>
        h("th", { scope: "col", class: "slds-is-sortable", "aria-label": c.label || "Actions" }, c.type === "actions" ? h("span", { class: "slds-assistive-text", text: "Actions" }) : h("span", { class: "slds-truncate", title: c.label, text: c.label })))));
      const body = h("tbody", {}, this.data.map((row, index) => h("tr", { class: "slds-hint-parent", "data-row-key-value": row.id || "row-" + index },
        this.columns.map((c, i) => {
          const tag = i === 0 ? "th" : "td";
          const attrs = i === 0 ? { scope: "row" } : {};
          if (c.type === "actions") {
            const items = c.rowActions(row);
            return h(tag, attrs, items.length ? h("lightning-button-menu", { alternativeText: "Show actions", items,
              onselect: (e) => fire(this, "rowaction", { action: e.detail.value, row }) }) : null);
          }
          const value = row[c.fieldName] == null ? "" : String(row[c.fieldName]);
          if (c.type === "url" && row[c.urlField]) return h(tag, attrs, h("a", { href: row[c.urlField], title: value, text: value }));
          if (c.type === "boolean") return h(tag, attrs, h("span", { text: row[c.fieldName] ? "\u2713" : "" }));
          return h(tag, attrs, h("div", { class: "slds-truncate", title: value, text: value }));
        }))));
      if (!this.data.length) body.append(h("tr", {}, h("td", { colspan: String(this.columns.length), text: this.emptyText || "No items to display." })));
      this.draw(h("div", { class: "slds-table_header-fixed_container" }, h("table", { class: "slds-table slds-table_bordered slds-table_cell-buffer", role: "grid", "aria-label": this.ariaLabel || null }, head, body)));
    }
  }

  /* lightning-tabset with lightning-tab children (label, value, and a render() callback for their content) */
  class LightningTab extends HTMLElement {}
  class LightningTabset extends Base {
    get tabs() { return [...this.querySelectorAll(":scope > lightning-tab")]; }
    set activeTabValue(v) { this._active = v; this.rerender(); }
    get activeTabValue() { return this._active; }
    activate(tab) { this._active = tab.value; this.render(); fire(this, "active", { value: tab.value }); }
    render() {
      const tabs = this.tabs;
      if (!tabs.length) return;
      const active = tabs.find((t) => t.value === this._active) || tabs[0];
      this._active = active.value;
      const panelId = uid("tab-panel");
      const nav = h("ul", { class: "slds-tabs_default__nav", role: "tablist" }, tabs.map((t) => {
        const selected = t === active;
        return h("li", { class: "slds-tabs_default__item" + (selected ? " slds-is-active" : ""), role: "presentation" },
          h("a", { class: "slds-tabs_default__link", role: "tab", href: "javascript:void(0)", tabindex: selected ? "0" : "-1",
            "aria-selected": selected ? "true" : "false", "aria-controls": panelId, id: uid("tab"), text: t.label,
            onclick: (e) => { e.preventDefault(); if (!selected) this.activate(t); } }));
      }));
      for (const t of tabs) {
        t.hidden = t !== active;
        if (t === active) { t.replaceChildren(); if (t.renderContent) t.renderContent(t); }
      }
      this.draw(h("div", { class: "slds-tabs_default" }, nav, h("div", { class: "slds-tabs_default__content", role: "tabpanel", id: panelId }, h("slot"))));
    }
  }

  class LightningSpinner extends Base {
    render() {
      this.draw(h("div", { class: "slds-spinner_container" }, h("div", { role: "status", class: "slds-spinner slds-spinner_medium" },
        h("span", { class: "slds-assistive-text", text: this.getAttribute("alternative-text") || this.alternativeText || "Loading" }))));
    }
  }

  class LightningFormattedText extends Base {
    render() { this.draw(h("span", { class: "slds-form-element__static", text: this.value == null ? "" : String(this.value) })); }
  }

  /* an SLDS expandable section: its title is a button with aria-expanded that opens and closes it. Closed content is
     not rendered at all (the strictest reading: nothing inside can be read or used until the section is opened);
     the children keep their values while closed. */
  function expandableSection({ title, open = true }, ...children) {
    const contentId = uid("expando");
    const content = h("div", { class: "slds-section__content", id: contentId });
    const button = h("button", { type: "button", class: "slds-button slds-section__title-action", "aria-controls": contentId },
      h("span", { class: "slds-section__title-action-icon", "aria-hidden": "true", text: "\u25B8" }),
      h("span", { class: "slds-truncate", title, text: title }));
    const section = h("div", { class: "slds-section" }, h("h3", { class: "slds-section__title" }, button), content);
    const show = (isOpen) => {
      section.classList.toggle("slds-is-open", isOpen);
      button.setAttribute("aria-expanded", isOpen ? "true" : "false");
      content.hidden = !isOpen;
      content.replaceChildren(...(isOpen ? children.flat().filter(Boolean) : []));
    };
    button.addEventListener("click", () => show(button.getAttribute("aria-expanded") !== "true"));
    show(!!open);
    return section;
  }

  /* ---------------------------------------------------------------------------------------------- */
  function toast({ variant = "info", title = "", message = "", sticky = false }) {
    let box = document.querySelector(".slds-notify_container");
    if (!box) { box = h("div", { class: "slds-notify_container slds-is-relative" }); document.body.append(box); }
    const role = variant === "error" || variant === "warning" ? "alert" : "status";
    const el = h("div", { class: `slds-notify slds-notify_toast slds-theme_${variant} forceToastMessage`, role, "data-key": variant },
      h("span", { class: "slds-assistive-text", text: variant }),
      h("div", { class: "slds-notify__content" }, title ? h("h2", { class: "slds-text-heading_small toastTitle", text: title }) : null,
        h("div", { class: "toastMessage", text: message })),
      h("button", { class: "slds-button slds-notify__close", type: "button", title: "Close", onclick: () => el.remove() },
        h("span", { "aria-hidden": "true", text: "\u2715" }), h("span", { class: "slds-assistive-text", text: "Close" })));
    box.append(el);
    if (!sticky) setTimeout(() => el.remove(), variant === "error" ? 10000 : 6000);
    return el;
  }

  /* a confirmation modal: section.slds-modal[role=dialog]; resolves true on OK, false on Cancel / close */
  function confirmModal({ title, body, okLabel = "OK", cancelLabel = "Cancel" }) {
    return new Promise((resolve) => {
      const headingId = uid("modal-heading"), contentId = uid("modal-content");
      const host = h("lightning-modal-host", {});
      const done = (answer) => { host.remove(); resolve(answer); };
      const root = host.shadowRoot;
      root.append(
        h("section", { role: "dialog", tabindex: "-1", "aria-modal": "true", "aria-labelledby": headingId, "aria-describedby": contentId, class: "slds-modal slds-fade-in-open" },
          h("div", { class: "slds-modal__container" },
            h("header", { class: "slds-modal__header" }, h("h2", { id: headingId, class: "slds-modal__title slds-hyphenate", text: title })),
            h("div", { class: "slds-modal__content", id: contentId }, h("p", { text: body })),
            h("footer", { class: "slds-modal__footer" },
              h("button", { type: "button", class: "slds-button slds-button_neutral", text: cancelLabel, onclick: () => done(false) }),
              h("button", { type: "button", class: "slds-button slds-button_brand", text: okLabel, onclick: () => done(true) })))),
        h("div", { class: "slds-backdrop slds-backdrop_open", role: "presentation" }));
      document.body.append(host);
      root.querySelector(".slds-button_brand").focus();
    });
  }
  class ModalHost extends Base { connectedCallback() {} }

  /* ---------------------------------------------------------------------------------------------- */
  class AuraError extends Error {
    constructor(error, status) {
      super((error && error.message) || "An error occurred.");
      this.fieldErrors = (error && error.fieldErrors) || {};
      this.pageErrors = (error && error.pageErrors) || [];
      this.status = status;
    }
  }

  async function aura(action, params) {
    const id = ++auraCounter;
    const message = { actions: [{ id: id + ";a", descriptor: "serviceComponent://ui.setup.eca.components.controllers.SetupController/ACTION$" + action,
      callingDescriptor: "UNKNOWN", params: params || {} }] };
    const body = new URLSearchParams({
      message: JSON.stringify(message),
      "aura.context": JSON.stringify({ mode: "PROD", app: "one:one", fwuid: "sim" }),
      "aura.pageURI": location.pathname + location.search,
      "aura.token": SIM.token || "",
    });
    let res;
    try {
      res = await fetch("/aura?r=" + id + "&ui-setup-eca." + action + "=1", { method: "POST", body, credentials: "same-origin" });
    } catch (e) {
      toast({ variant: "error", title: "Error", message: text("offline") });
      throw new AuraError({ message: "network" }, 0);
    }
    if (res.status === 401) {
      const msg = text("sessionEnded");
      toast({ variant: "error", title: "Session expired", message: msg, sticky: true });
      throw new AuraError({ message: msg }, 401);
    }
    if (!res.ok) {
      toast({ variant: "error", title: "Error", message: text("serverError") });
      throw new AuraError({ message: "server error" }, res.status);
    }
    const data = await res.json();
    const result = data.actions[0];
    if (result.state === "SUCCESS") return result.returnValue;
    throw new AuraError(result.error && result.error[0], 200);
  }

  /* show a spinner and aria-busy on `region` while `promise` runs */
  async function busy(region, promise) {
    const spinner = h("lightning-spinner", { alternativeText: "Loading" });
    region.setAttribute("aria-busy", "true");
    region.append(spinner);
    try { return await promise; } finally { spinner.remove(); region.setAttribute("aria-busy", "false"); }
  }

  /* ---------------------------------------------------------------------------------------------- */
  const NAV = [
    { title: "Apps", items: [
      { label: "App Manager", url: "/lightning/setup/NavigationMenus/home" },
      { label: "External Client Apps", items: [
        { label: "External Client App Manager", url: "/lightning/setup/ManageExternalClientApplication/home" },
        { label: "Settings", url: "/lightning/setup/ExternalClientApplicationSettings/home" },
      ] },
      { label: "Connected Apps", items: [
        { label: "Manage Connected Apps", url: "/lightning/setup/ConnectedApplication/home" },
      ] },
    ] },
    { title: "Users", items: [
      { label: "Permission Sets", url: "/lightning/setup/PermSets/home" },
      { label: "Profiles", url: "/lightning/setup/EnhancedProfiles/home" },
      { label: "Users", url: "/lightning/setup/ManageUsers/home" },
    ] },
    { title: "Security", items: [
      { label: "Session Settings", url: "/lightning/setup/SecuritySession/home" },
    ] },
  ];

  function navTree(filter) {
    const f = (filter || "").trim().toLowerCase();
    const match = (item, parentMatched) => parentMatched || !f || item.label.toLowerCase().includes(f);
    const list = (items, parentMatched) => h("ul", { role: "group" }, items.map((item) => {
      const self = match(item, parentMatched);
      if (item.items) {
        const children = item.items.filter((c) => match(c, self));
        if (!children.length && !self) return null;
        return h("li", { role: "treeitem", "aria-expanded": "true" }, h("span", { text: item.label }), list(item.items.filter((c) => self || match(c, false)), self));
      }
      return self ? h("li", { role: "treeitem" }, h("a", { href: item.url, text: item.label })) : null;
    }));
    return h("ul", { role: "tree", "aria-label": "Setup" }, NAV.map((section) => {
      const inner = list(section.items, section.title.toLowerCase().includes(f) && !!f);
      if (!inner.querySelector("a")) return null;
      return h("li", { role: "treeitem", "aria-expanded": "true" }, h("div", { class: "section-title", text: section.title }), inner);
    }));
  }

  const routes = [];
  function route(pattern, render, opts) { routes.push({ pattern, render, opts: opts || {} }); }

  let content = null;
  function chrome(withNav) {
    const app = document.getElementById("oneApp");
    content = h("main", { class: "setup-content", role: "main", "aria-busy": "false" });
    const header = h("header", { class: "slds-global-header", role: "banner" },
      h("div", { class: "slds-global-header__logo", text: "salesforce" }),
      SIM.sandbox ? h("span", { class: "sandbox-banner", text: "Sandbox: " + (SIM.orgName || "") }) : null,
      h("div", { class: "slds-global-header__item", style: "flex:1" }),
      h("span", { class: "user-name", text: SIM.userName || "" }));
    const appNav = h("div", { class: "oneAppNavContainer", role: "navigation", "aria-label": "Global" },
      h("span", { class: "appName", text: "Setup" }),
      h("a", { href: "/lightning/setup/SetupOneHome/home", text: "Home" }),
      h("a", { href: "/lightning/setup/ObjectManager/home", text: "Object Manager" }));
    let body;
    if (withNav) {
      const tree = h("div", { class: "tree-holder" }, navTree(""));
      const quickFind = h("lightning-input", { type: "search", label: "Quick Find", variant: "label-hidden", placeholder: "Quick Find", class: "quickfind",
        onchange: (e) => tree.replaceChildren(navTree(e.detail.value)) });
      body = h("div", { class: "setupcontent" }, h("nav", { class: "setup-nav", "aria-label": "Setup Navigation" }, quickFind, tree), content);
    } else {
      body = h("div", { class: "setupcontent" }, content);
    }
    app.replaceChildren(header, appNav, body);
    app.setAttribute("aria-busy", "false");
  }

  async function renderRoute() {
    const path = location.pathname.replace(/\/+$/, "");
    for (const r of routes) {
      const m = path.match(r.pattern);
      if (!m) continue;
      if (!content || !!r.opts.noNav !== !!chrome.noNav) { chrome.noNav = !!r.opts.noNav; chrome(!r.opts.noNav); }
      content.replaceChildren();
      document.title = (r.opts.title || "Setup") + " | Salesforce";
      try { await r.render(content, m, new URLSearchParams(location.search)); } catch (e) {
        // session and server failures already toasted in aura(); an action's ERROR (e.g. unknown app) is toasted here
        if (!(e instanceof AuraError)) console.error(e);
        if (!(e instanceof AuraError) || e.status === 200) toast({ variant: "error", title: "Error", message: String(e.message || e) });
      }
      return;
    }
  }

  function navigate(url, replace) {
    if (replace) history.replaceState({}, "", url); else history.pushState({}, "", url);
    renderRoute();
  }

  /* Lightning is a single-page app: in-app links change the URL without a page load */
  document.addEventListener("click", (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const a = e.composedPath().find((n) => n.tagName === "A");
    if (!a || a.target === "_blank") return;
    const href = a.getAttribute("href") || "";
    if (href.startsWith("/lightning/")) { e.preventDefault(); navigate(href); }
  });
  window.addEventListener("popstate", renderRoute);

  /* pages for Setup areas the simulated org does not model */
  function placeholderPage(title) {
    return (root) => {
      document.title = title + " | Salesforce";
      root.append(h("div", { class: "slds-page-header" }, h("div", {}, h("div", { class: "slds-page-header__name-meta", text: "SETUP" }),
        h("h1", { class: "slds-page-header__title", text: title }))),
      h("div", { class: "slds-card" }, h("p", { text: "This Setup page isn't part of the simulated org." })));
    };
  }

  const defs = {
    "lightning-input": LightningInput, "lightning-textarea": LightningTextarea, "lightning-combobox": LightningCombobox,
    "lightning-radio-group": LightningRadioGroup, "lightning-dual-listbox": LightningDualListbox, "lightning-button": LightningButton,
    "lightning-button-menu": LightningButtonMenu, "lightning-datatable": LightningDatatable, "lightning-tabset": LightningTabset, "lightning-tab": LightningTab,
    "lightning-spinner": LightningSpinner, "lightning-formatted-text": LightningFormattedText, "lightning-modal-host": ModalHost,
  };

  window.LX = { h, uid, fire, aura, AuraError, busy, toast, confirmModal, expandableSection, route, navigate, placeholderPage, SIM, text };

  /* boot: styles first (shadow roots adopt them), then components, then the page */
  window.LX.ready = fetch("/static/lightning.css").then((r) => r.text()).then((css) => {
    sheet.replaceSync(css);
    for (const [name, cls] of Object.entries(defs)) if (!customElements.get(name)) customElements.define(name, cls);
  });
  window.LX.start = () => window.LX.ready.then(() => {
    route(/^\/lightning\/setup\/SetupOneHome\/home$/, placeholderPage("Setup Home"), { title: "Home" });
    route(/^\/lightning\/setup\/([A-Za-z]+)\/.*$/, (root, m) => placeholderPage(m[1])(root));
    renderRoute();
  });
})();
