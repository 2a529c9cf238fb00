/**
 * nunjucks' internal files (its lexer, parser, nodes, compiler, runtime...), which @types/nunjucks does not
 * describe. Each is a CommonJS file: its default import is its `module.exports`, which the importing file
 * types for its own use (nunjucksInternals.ts, jinjaLexer.ts, jinjaSyntax.ts...).
 */
declare module 'nunjucks/src/*.js' {
  const moduleExports: any;
  export default moduleExports;
}
