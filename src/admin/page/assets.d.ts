// Text imports (`with { type: "text" }`) of the dashboard's parts: Bun
// bundles each file's contents as a string, here and in the compiled binary.
declare module "*.client.js" {
  const text: string;
  export default text;
}
declare module "*.min.js" {
  const text: string;
  export default text;
}
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "*.format.js" {
  const text: string;
  export default text;
}
