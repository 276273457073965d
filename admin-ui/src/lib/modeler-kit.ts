/**
 * The designer's heavy part, one chunk loaded on demand: bpmn-js Modeler with the Zeebe properties panel
 * and behaviours, the element templates (processes/element-templates, adapters/<name>/element-templates),
 * live linting with processes/.bpmnlintrc compiled in, the navigated viewer and bpmn-js-differ; its words
 * in Chinese (or English) through ./bpmn-zh.ts.
 */
import Modeler from 'bpmn-js/lib/Modeler';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  ZeebePropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import { CloudElementTemplatesPropertiesProviderModule } from 'bpmn-js-element-templates';
import ZeebeBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-cloud';
import LintModule from 'bpmn-js-bpmnlint';
import bpmnlintConfig from 'virtual:bpmnlint-config';
import { diff } from 'bpmn-js-differ';
import { translateModule } from './bpmn-zh.ts';
import zeebeModdle from 'zeebe-bpmn-moddle/resources/zeebe.json';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-element-templates/dist/assets/element-templates.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';

export { NavigatedViewer, diff };

/** Every element template file the build found; a file holds one template or an array of them. */
const templateFiles = import.meta.glob<unknown>(
  ['../../../processes/element-templates/*.json', '../../../adapters/*/element-templates/*.json'],
  { eager: true, import: 'default' },
);
export const elementTemplates = Object.values(templateFiles).flatMap((f) => (Array.isArray(f) ? f : [f]));

/** The modeler as the designer uses it, drawing into `container` with its panel in `panel`. */
export function createModeler(container: HTMLElement, panel: HTMLElement): Modeler {
  return new Modeler({
    container,
    propertiesPanel: { parent: panel },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      ZeebePropertiesProviderModule,
      CloudElementTemplatesPropertiesProviderModule,
      ZeebeBehaviorsModule,
      LintModule,
      translateModule,
    ],
    moddleExtensions: { zeebe: zeebeModdle },
    linting: { bpmnlint: bpmnlintConfig, active: true },
    elementTemplates,
  } as ConstructorParameters<typeof Modeler>[0]);
}
