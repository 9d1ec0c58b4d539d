// A tiny TypeDoc plugin: names each module after the package specifier users
// import (`@cognito-passcode/client/react`) instead of its source path
// (`client/src/react`), since the docs are built from the packages' sources.
import { Converter, ReflectionKind } from "typedoc";

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const mod of context.project.getChildrenByKind(ReflectionKind.Module)) {
      const match = /^([a-z-]+)\/src(?:\/([a-z-]+))?$/.exec(mod.name);
      if (!match) continue;
      mod.name = `@cognito-passcode/${match[1]}${match[2] ? `/${match[2]}` : ""}`;
    }
  });
}
