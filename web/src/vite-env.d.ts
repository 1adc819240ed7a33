/// <reference types="vite/client" />
declare module 'swagger-ui-dist/swagger-ui-es-bundle.js';
