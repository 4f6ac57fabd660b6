/** The gl2d dist bundle has the plotly.js API (scatter, scattergl and the core components). */
declare module "plotly.js-gl2d-dist-min" {
  import * as Plotly from "plotly.js";
  export = Plotly;
}
