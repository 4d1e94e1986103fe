declare module 'ssh2';
