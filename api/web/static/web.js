// The only script: the print button (hidden until the script shows it). Every page works
// without it.
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
