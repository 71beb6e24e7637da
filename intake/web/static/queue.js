// The approver's queue: one box selects every form on the page.
document.querySelectorAll("[data-select-all]").forEach((all) => {
  all.addEventListener("change", () => {
    document.querySelectorAll("input[name=form_id]").forEach((box) => { box.checked = all.checked; });
  });
});
