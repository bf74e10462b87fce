// views.js - the registry of views (left navigation + hash routes #/<id>).
//
// To add a module's view: write web/views/<id>.js exporting `render(root, ctx)` (see
// web/views/oversikt.js for the contract) and give its line here a `load`. An entry
// without `load` shows the "Kommer" placeholder. Order here is the order in the menu;
// the first entry is the start page.
//
// Fields: id (route, #/<id>; lowercase a-z, 0-9, '-'), title (menu text and page title,
// bokmål), load (optional: () => import('../views/<id>.js')).

export const views = [
  { id: 'oversikt', title: 'Oversikt', load: () => import('../views/oversikt.js') },
  { id: 'innbyggere', title: 'Innbyggere', load: () => import('../views/innbyggere.js') },
  { id: 'responssenter', title: 'Responssenter', load: () => import('../views/responssenter.js') },
  { id: 'meldinger', title: 'Meldinger (knutepunkt)', load: () => import('../views/meldinger.js') },
  { id: 'tjenester', title: 'Tjenester' },
  { id: 'utstyr', title: 'Utstyr' },
  { id: 'gevinster', title: 'Gevinster', load: () => import('../views/gevinster.js') },
  { id: 'godkjenning', title: 'Godkjenning' },
  { id: 'revisjon', title: 'Revisjon (logg)', load: () => import('../views/revisjon.js') },
  { id: 'administrasjon', title: 'Administrasjon', load: () => import('../views/administrasjon.js') },
];
